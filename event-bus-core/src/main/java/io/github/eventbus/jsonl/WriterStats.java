package io.github.eventbus.jsonl;

/**
 * Counters of a {@link JsonLinesWriter}.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param appended records accepted by {@code append}
 * @param written records written (to the degree of the writer's {@link Durability})
 * @param pending records accepted and not yet written
 * @param failedWrites failed attempts to open, write or force a file (each retry counts), and
 *     failed compactions ({@link JsonLinesWriterBuilder#compactAbove})
 * @param unencodable records that could not be encoded as JSON, reported and skipped
 * @param dropped records refused because the buffer stayed full (only with a finite
 *     {@code offerTimeout})
 * @param unwritten records still unwritten when the writer closed, reported then
 */
public record WriterStats(
    long appended, long written, long pending, long failedWrites, long unencodable, long dropped,
    long unwritten) {}
