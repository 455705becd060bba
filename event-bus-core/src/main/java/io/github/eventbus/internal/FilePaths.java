package io.github.eventbus.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a path leads, for telling two configured files apart before either is opened.
 *
 * <p><b>Thread-safety:</b> stateless and thread-safe.
 */
public final class FilePaths {

  private FilePaths() {}

  /**
   * Where a path leads, for a file that may not exist yet: the real path of its nearest existing
   * ancestor (links and {@code ..} resolved by the file system, as opening the file would) with
   * the rest, none of which exists and so none a link, appended.
   *
   * @param path the path, relative to the working directory or absolute
   * @return the absolute, normalised path the file system would open
   * @throws IOException if an existing ancestor's real path cannot be read
   */
  public static Path whereItLeads(Path path) throws IOException {
    Path absolute = path.toAbsolutePath();
    Path existing = absolute;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return absolute.normalize();
    }
    return existing.toRealPath().resolve(existing.relativize(absolute)).normalize();
  }
}
