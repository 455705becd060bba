/**
 * The JSON Lines audit log: writing, reading back and replaying.
 *
 * <h2>Guide</h2>
 *
 * <p><b>Logging a bus.</b> {@code EventBus.builder().auditLog(Path.of("logs/events"))} logs every
 * accepted event to {@code logs/events/events_YYYYMMDD.jsonl}, one JSON object per line (format
 * in {@link io.github.eventbus.audit.AuditFormat}, which both writes and reads it): queued for the
 * log's writer thread before delivery, written to the file by that thread, so a handler may run
 * before its line is in the file unless the log acknowledges writes. For a type filter, another
 * {@link io.github.eventbus.jsonl.Durability}, size roll-over or synchronous acknowledgement,
 * build an {@link io.github.eventbus.audit.AuditLog} and pass it instead.
 * {@code bus.auditLogFile()} names today's file.
 *
 * <p><b>Durability.</b> {@code NONE} keeps lines in memory up to a second; {@code FLUSH} (default)
 * hands each batch to the OS at once; {@code FSYNC} forces each batch to disk. With
 * {@link io.github.eventbus.audit.AuditLog.Builder#acknowledge} and {@code FSYNC}, an event's line
 * is on disk when {@code publish} returns.
 *
 * <p><b>Naming of {@code data}.</b> The log's Jackson mapper
 * ({@link io.github.eventbus.audit.AuditLog.Builder#mapper}) decides the field names inside
 * {@code data}: its naming strategy, modules and the payload class's annotations.
 *
 * <p><b>Failures.</b> Never silent: a failed write is counted, reported to the
 * {@link io.github.eventbus.jsonl.WriteErrorHandler} and retried; a log file deleted or replaced
 * under a running bus is re-created at the next write and reported once; {@code build()} refuses
 * a directory path that is a file; {@code close()} waits at most the close timeout.
 *
 * <p><b>Any JSON Lines file.</b> {@link io.github.eventbus.jsonl.JsonLinesWriter} is the writer
 * underneath, reusable for other logs: one background thread, a bounded buffer, whole lines per
 * write, torn-line repair on open, retry after write failures, and a report of what could not be
 * written.
 *
 * <p><b>Reading and replay.</b> {@link io.github.eventbus.audit.AuditReader} streams entries of a
 * file or a directory of daily files, filtered by type pattern, time range and source; it skips a
 * torn last line and reports corrupt lines with file and line number. It decodes entries into
 * events (typed for registered classes, {@link io.github.eventbus.DynamicEvent} otherwise) and
 * replays them onto a bus, marked so that they are not logged twice.
 *
 * <p><b>Threads.</b> Each writer owns one daemon thread named {@code jsonl-writer-<file>}
 * ({@code jsonl-writer-events_YYYYMMDD.jsonl} for the audit log), stopped by {@code close()}.
 * Every public type states whether it is thread-safe.
 */
package io.github.eventbus.audit;
