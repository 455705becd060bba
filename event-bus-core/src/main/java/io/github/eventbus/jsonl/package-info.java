/**
 * JSON Lines files: a writer for any record type, and the naming, roll-over and ordering of the
 * files it writes. The audit log, the handlers' logs and the webhook attempt log and outbox are
 * all written through it.
 *
 * <h2>Guide</h2>
 *
 * <p><b>Writing.</b> {@link io.github.eventbus.jsonl.JsonLinesWriter} has one background thread,
 * a bounded buffer, whole lines per write, torn-line repair on open, retry after write failures,
 * and a report of what could not be written. {@code append} never blocks on the disk;
 * {@code appendAcknowledged} returns a future completed once the line reached the chosen
 * {@link io.github.eventbus.jsonl.Durability}.
 *
 * <p><b>Files.</b> A fixed file, or daily files {@code <prefix>_YYYYMMDD.jsonl} by the writer's
 * clock in the clock's zone, rolled over by size to {@code <prefix>_YYYYMMDD.<n>.jsonl}.
 * {@link io.github.eventbus.jsonl.LogFiles#inWriteOrder} lists a directory's files in the order
 * they were written. A fixed file that holds state can be kept bounded by that state
 * ({@link io.github.eventbus.jsonl.JsonLinesWriterBuilder#compactAbove}): the writer's thread
 * replaces it, atomically and between writes, by the records that restate it. One writer per
 * file: {@code build()} refuses a file (daily files: a directory and prefix; roll-overs count as
 * their writer's) that another writer in this process writes, until that writer's thread has
 * ended; another process's writer is not seen.
 *
 * <p><b>Failures.</b> A write that fails is counted in
 * {@link io.github.eventbus.jsonl.WriterStats}, reported to the
 * {@link io.github.eventbus.jsonl.WriteErrorHandler} and retried every {@code retryDelay}. A file
 * deleted or replaced under the writer (alone or with its directory) is noticed at the next
 * write by its identity, re-created, written again and reported once; a writer that holds state
 * can have its live records written into the new file
 * ({@link io.github.eventbus.jsonl.JsonLinesWriterBuilder#restoreOnVanish}). Lines count as written, and
 * acknowledgements complete, only once they are in the file at its path. {@code build()} refuses
 * a directory path that exists and is not a directory. A symbolic link at a file's path is never
 * written through: that write fails, and is reported and retried like any other. {@code close()} waits at most
 * {@code closeTimeout}; lines still unwritten then are reported, never dropped in silence.
 *
 * <p><b>Threads.</b> Each writer owns one daemon thread named {@code jsonl-writer-<file>},
 * stopped by {@code close()}. Every public type states whether it is thread-safe.
 */
package io.github.eventbus.jsonl;
