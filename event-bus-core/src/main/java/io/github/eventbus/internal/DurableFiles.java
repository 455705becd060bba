package io.github.eventbus.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

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
     * @throws IOException if writing fails, or to give up the replacement
     */
    void writeTo(FileChannel channel) throws IOException;
  }

  private DurableFiles() {}

  /**
   * Writes {@code content} to {@code <file>.tmp}, with the old file's permissions where the file
   * system has them, forces it to the device and moves it over {@code file} atomically. Whatever
   * was at the temporary path before is removed first, never followed (a symbolic link there is
   * not written through). On failure the file at {@code file} is as it was and the temporary file
   * is removed. The move is durable only once the directory is forced ({@link #forceDirectory}).
   *
   * @param file the file to replace (created if missing)
   * @param content writes the new content
   * @return the new file's size
   * @throws IOException if the temporary file cannot be written or forced (disk full, a non-empty
   *     directory in its place), the content gives up, or the move fails
   */
  public static long replace(Path file, Content content) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    long size;
    try {
      Files.deleteIfExists(temporary);
      Set<PosixFilePermission> permissions = permissionsOf(file);
      FileAttribute<?>[] attributes = permissions == null ? new FileAttribute<?>[0]
          : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
      try (FileChannel out = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), attributes)) {
        if (permissions != null) {
          // Created under the umask, which may have taken bits the old file had.
          Files.setPosixFilePermissions(temporary, permissions);
        }
        content.writeTo(out);
        out.force(true);
        size = out.size();
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
    return size;
  }

  /**
   * The permissions of {@code file}; null if it is not there, is a symbolic link (whose own mode
   * says nothing), or the file system has none.
   */
  private static Set<PosixFilePermission> permissionsOf(Path file) throws IOException {
    try {
      PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      return attributes.isSymbolicLink() ? null : attributes.permissions();
    } catch (UnsupportedOperationException | NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Forces the directory of {@code file}, so that a file moved or created there survives a power
   * cut. A platform that cannot open a directory makes moves as durable as it can, so that is no
   * failure.
   *
   * @param file a file in the directory
   * @throws IOException if the directory was opened but could not be forced (an I/O error)
   */
  public static void forceDirectory(Path file) throws IOException {
    FileChannel directory;
    try {
      directory = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ);
    } catch (IOException | UnsupportedOperationException notOnThisPlatform) {
      return;
    }
    try (directory) {
      directory.force(true);
    }
  }

  /**
   * Opens {@code sidecar} (a {@code .corrupt} file beside a log) to append to, creating it if
   * needed. Only a regular file of one name is written: a symbolic link would have the lines
   * appended to whatever file it points to, a hard link likewise under another name, and a named
   * pipe would block the open until a reader came.
   *
   * @param sidecar the file
   * @return a channel positioned at its end
   * @throws java.nio.file.FileSystemException if something other than such a file is there
   * @throws IOException if it cannot be opened
   */
  public static FileChannel openToAppend(Path sidecar) throws IOException {
    if (Files.exists(sidecar, LinkOption.NOFOLLOW_LINKS)) {
      String wrong = !Files.isRegularFile(sidecar, LinkOption.NOFOLLOW_LINKS)
          ? "is not a regular file (a symbolic link, named pipe or directory)"
          : links(sidecar) > 1 ? "has another hard link" : null;
      if (wrong != null) {
        throw new java.nio.file.FileSystemException(sidecar.toString(), null, wrong
            + "; nothing is appended to it");
      }
    }
    return FileChannel.open(sidecar, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
  }

  /** The file's number of hard links; 1 where the file system does not say. */
  private static int links(Path file) throws IOException {
    try {
      return Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)
          instanceof Integer n ? n : 1;
    } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
      return 1;
    }
  }
}
