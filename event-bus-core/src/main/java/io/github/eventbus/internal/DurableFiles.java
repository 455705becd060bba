package io.github.eventbus.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file's content so that a crash or power cut leaves either the old file or the whole
 * new one, never a part: the one place the library's compacted files (the webhook outbox, a
 * {@code JsonLinesWriter} with {@code compactAbove}) are rewritten.
 *
 * <p><b>Thread-safety:</b> stateless and thread-safe; two callers must not replace one file at
 * once (they share its temporary file).
 */
public final class DurableFiles {

  /** Writes a file's new content. */
  @FunctionalInterface
  public interface Content {

    /**
     * Writes the whole content to {@code channel}.
     *
     * @param channel the temporary file, empty and open for writing
     * @throws IOException if writing fails
     */
    void writeTo(FileChannel channel) throws IOException;
  }

  private DurableFiles() {}

  /**
   * Writes {@code content} to {@code <file>.tmp}, forces it to the device, moves it over
   * {@code file} atomically and forces the directory. Whatever was at the temporary path before is
   * removed first, never followed (a symbolic link there is not written through). On failure the
   * file at {@code file} is as it was and the temporary file is removed.
   *
   * @param file the file to replace (created if missing)
   * @param content writes the new content
   * @throws IOException if the temporary file cannot be written or forced (disk full, a non-empty
   *     directory in its place), or the move fails
   */
  public static void replace(Path file, Content content) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(temporary);
      try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        content.writeTo(out);
        out.force(true);
      }
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(temporary);
      } catch (IOException | RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    try (FileChannel directory = FileChannel.open(file.toAbsolutePath().getParent(),
        StandardOpenOption.READ)) {
      directory.force(true);
    } catch (IOException | UnsupportedOperationException notOnThisPlatform) {
      // Some platforms cannot open a directory: the rename is as durable as they make it.
    }
  }
}
