package io.github.eventbus.audit;

import java.nio.file.Path;

/**
 * A line of a JSON Lines file that {@link AuditReader} could not read; it was skipped.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param file the file
 * @param line the line's number, from 1
 * @param reason why it could not be read
 */
public record CorruptLine(Path file, long line, String reason) {}
