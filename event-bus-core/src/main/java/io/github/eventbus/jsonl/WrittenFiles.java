package io.github.eventbus.jsonl;

import io.github.eventbus.internal.FilePaths;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON Lines files this process's writers have open, so that a second writer of one file (a
 * second bus built from a builder with {@code auditLog(dir)}, say) is refused at its
 * {@code build()}. Two writers of one file interleave their lines, each takes the other's line
 * under way for a torn one when it opens the file, and both roll it over. Another process's
 * writer is not seen.
 *
 * <p>Static because a file is the process's, whichever bus, handler or client writes it.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
final class WrittenFiles {

  private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();

  private WrittenFiles() {}

  /**
   * Claims the files for a writer until {@link #release}: the fixed file, or the daily files'
   * pattern in their directory, by where the path leads (links and {@code ..} resolved).
   *
   * @return what to release
   * @throws IllegalStateException if a writer in this process has them
   */
  static Path claim(LogFiles files) {
    Path named = files.namePath();
    Path key;
    try {
      key = FilePaths.whereItLeads(named);
    } catch (IOException unreadable) {
      key = named.toAbsolutePath().normalize(); // opening the file will say what is wrong
    }
    if (!OPEN.add(key)) {
      throw new IllegalStateException("another writer in this process is writing " + named
          + " (a bus, handler or webhook client built on it and not closed?); one writer per "
          + "file: close the other first, or give each its own file or directory");
    }
    return key;
  }

  /** Lets another writer have the files; called once the claiming writer's thread has ended. */
  static void release(Path key) {
    OPEN.remove(key);
  }
}
