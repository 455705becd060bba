package io.github.eventbus.jsonl;

/**
 * How far a {@link JsonLinesWriter} pushes each batch of lines before it counts them as written.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum Durability {

  /**
   * Lines collect in the writer's memory and reach the file when 64 KiB have gathered, at the
   * latest one flush interval after the previous write, or at {@code flush()} and
   * {@code close()}. Fastest;
   * a process crash loses what was not yet written.
   */
  NONE,

  /**
   * Each batch is written to the operating system as soon as it is taken from the buffer, so a
   * concurrent {@code tail -f} sees it at once and a process crash loses nothing written; a power
   * failure may lose what the OS had not yet stored. The default.
   */
  FLUSH,

  /**
   * Each batch is written and forced to the storage device ({@code fsync}) before its lines count
   * as written; an acknowledged line survives a crash of the process or the machine.
   */
  FSYNC
}
