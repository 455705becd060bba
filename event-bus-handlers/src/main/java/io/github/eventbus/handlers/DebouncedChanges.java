package io.github.eventbus.handlers;

import io.github.eventbus.EventBus;
import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.internal.Uncaught;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a {@link FileWatcher} knows of files: those known to exist (with their checksum) and the
 * changes gathered per path until it has been quiet for the debounce time, then published as one
 * {@link FileChange}. The watcher tells it what the OS reported; it decides what that means
 * (a known file created again is modified, created then deleted is nothing) and which paths the
 * globs select. Not thread-safe: the watcher thread alone uses it after {@code start()}.
 */
final class DebouncedChanges {

  private final EventBus bus;
  private final String name;
  private final List<PathMatcher> includes;
  private final List<PathMatcher> excludes;
  private final long debounceNanos;
  private final ChecksumAlgorithm checksum;
  private final RateLimitedLog warnings;
  private volatile boolean stopped; // by close(), from any thread
  private int dueWhileStopped; // changes that came due after stop(), not published
  // Files known to exist, with their checksum ("" without checksums): tells a file replaced by a
  // rename from a new one.
  private final Map<Path, String> known = new HashMap<>();
  private final Map<Path, Pending> pending = new LinkedHashMap<>();


  /** Changes to one path not yet published. */
  private static final class Pending {
    ChangeType type; // null: created then deleted, nothing to report
    long lastNanos;

    Pending(ChangeType type, long now) {
      this.type = type;
      this.lastNanos = now;
    }
  }

  DebouncedChanges(EventBus bus, String name, List<PathMatcher> includes,
      List<PathMatcher> excludes, Duration debounce, ChecksumAlgorithm checksum,
      RateLimitedLog warnings) {
    this.bus = bus;
    this.name = name;
    this.includes = includes;
    this.excludes = excludes;
    this.debounceNanos = Settings.nanos(debounce);
    this.checksum = checksum;
    this.warnings = warnings;
  }

  /**
   * Remembers a selected file found at start, with its checksum, without reporting it. A file
   * that cannot be read is remembered without one (said in a rate-limited WARN), so that the
   * watch still starts and its next readable change is reported.
   */
  void remember(Path file, Path root) {
    if (!selected(file, root)) {
      return;
    }
    try {
      known.put(file, checksum == ChecksumAlgorithm.NONE ? "" : checksum(file));
    } catch (NoSuchFileException | Digests.Stopped goneOrClosing) {
      // deleted while the watch started, or the watcher closes: nothing to remember
    } catch (IOException e) {
      known.put(file, "");
      warnings.warn("unreadable", "File watcher {} cannot read {} for its checksum: {}", name,
          file.toString(), e.toString());
    }
  }

  boolean isKnown(Path file) {
    return known.containsKey(file);
  }

  /** Whether the path is a file known to exist or has a change pending. */
  boolean tracks(Path path) {
    return known.containsKey(path) || pending.containsKey(path);
  }

  /** Whether a file listed again may have changed unseen: only checksums can tell. */
  boolean comparesContent() {
    return checksum != ChecksumAlgorithm.NONE;
  }

  /** The files known to exist directly in {@code directory}. */
  List<Path> knownIn(Path directory) {
    List<Path> in = new ArrayList<>();
    for (Path p : known.keySet()) {
      if (directory.equals(p.getParent())) {
        in.add(p);
      }
    }
    return in;
  }

  /** The files known, or with a change pending, anywhere below {@code directory}. */
  List<Path> filesBelow(Path directory) {
    List<Path> files = new ArrayList<>();
    for (Path p : known.keySet()) {
      if (p.startsWith(directory)) {
        files.add(p);
      }
    }
    for (Path p : pending.keySet()) {
      if (p.startsWith(directory) && !known.containsKey(p)) {
        files.add(p);
      }
    }
    return files;
  }

  /** Merges a change into what is pending for the path. */
  void note(Path path, Path root, ChangeType type, long now) {
    if (!selected(path, root)) {
      return;
    }
    Pending p = pending.get(path);
    if (p == null) {
      // A known file created again was replaced by a rename over it (an atomic save): modified.
      // A file modified that nobody was told of is new to subscribers: its creation was either
      // missed (it vanished while being read) or is the one being reported now.
      boolean isKnown = known.containsKey(path);
      ChangeType first = type == ChangeType.CREATED && isKnown ? ChangeType.MODIFIED
          : type == ChangeType.MODIFIED && !isKnown ? ChangeType.CREATED : type;
      pending.put(path, new Pending(first, now));
      return;
    }
    p.lastNanos = now;
    if (type == ChangeType.DELETED) {
      p.type = p.type == ChangeType.CREATED || p.type == null ? null : ChangeType.DELETED;
    } else if (p.type == ChangeType.DELETED) {
      p.type = ChangeType.MODIFIED; // replaced
    } else if (p.type == null) {
      p.type = type == ChangeType.MODIFIED ? ChangeType.CREATED : type;
    }
  }

  private boolean selected(Path path, Path root) {
    Path relative = root.relativize(path);
    Path fileName = path.getFileName();
    for (PathMatcher m : excludes) {
      if (m.matches(relative) || m.matches(fileName)) {
        return false;
      }
    }
    if (includes.isEmpty()) {
      return true;
    }
    for (PathMatcher m : includes) {
      if (m.matches(relative) || m.matches(fileName)) {
        return true;
      }
    }
    return false;
  }

  /** Publishes the changes whose path has been quiet for the debounce time, oldest first. */
  void publishDue(long now) {
    List<Map.Entry<Path, Pending>> due = new ArrayList<>();
    for (Map.Entry<Path, Pending> e : pending.entrySet()) {
      if (now - e.getValue().lastNanos >= debounceNanos) {
        due.add(e);
      }
    }
    due.sort(Comparator.comparingLong(e -> e.getValue().lastNanos));
    for (Map.Entry<Path, Pending> e : due) {
      pending.remove(e.getKey());
      if (e.getValue().type != null) {
        publish(e.getKey(), e.getValue().type);
      }
    }
  }

  private void publish(Path path, ChangeType type) {
    if (stopped) {
      dueWhileStopped++;
      return;
    }
    FileChange change;
    if (type == ChangeType.DELETED) {
      known.remove(path);
      change = change(path, ChangeType.DELETED, null, null, null);
      if (change == null) {
        return;
      }
    } else {
      try {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
          return; // not a file whose content changes
        }
        String sum = checksum == ChecksumAlgorithm.NONE ? null : checksum(path);
        if (sum != null && type == ChangeType.MODIFIED && sum.equals(known.get(path))) {
          return; // rewritten with identical content
        }
        change = change(path, type, attributes.size(),
            attributes.lastModifiedTime().toInstant(), sum);
        if (change == null) {
          return;
        }
        // Known only once everything was read: a file gone half-way stays unknown, so that its
        // deletion is not reported without its creation.
        known.put(path, sum == null ? "" : sum);
      } catch (NoSuchFileException gone) {
        return; // gone again before we could read it; its deletion is reported on its own
      } catch (Digests.Stopped closing) {
        dueWhileStopped++;
        return;
      } catch (IOException e) {
        // There but unreadable (permissions, a disk error): not reported, so it is said.
        warnings.warn("unreadable", "File watcher {} cannot read {} to report its change: {}",
            name, path.toString(), e.toString());
        return;
      }
    }
    if (stopped) { // close() came while the file was read: it publishes nothing more
      dueWhileStopped++;
      return;
    }
    try {
      bus.publish(change);
    } catch (RuntimeException e) {
      // One line per interval: a closed or full bus refuses every change.
      warnings.warn("unpublished", "File watcher {} could not publish a change of {}: {}", name,
          path.toString(), e.toString());
    } catch (Error e) {
      // Thrown by code of the bus's user (an interceptor, a synchronous handler) once the bus was
      // done with the change. The watcher thread has no caller to give it to, and ending it would
      // end the watch: it goes to the thread's uncaught-exception handler, and watching goes on.
      warnings.warn("error", "File watcher {}: publishing a change of {} threw {}; watching goes"
          + " on", name, path.toString(), e.toString());
      Uncaught.handOn(e, warnings);
    }
  }

  /**
   * The change, or null (said once per interval) if its path cannot be named as text: a name
   * whose bytes are not valid in the platform's file-name encoding reads as U+FFFD, which names
   * another file (under UTF-8) or none ({@link FileChange} refuses it under the C locale). Its
   * handler would look at the wrong file and log it {@code missing}.
   */
  private FileChange change(Path path, ChangeType type, Long size, java.time.Instant modified,
      String sum) {
    String text = path.toString();
    try {
      if (path.getFileSystem().getPath(text).equals(path)) {
        return new FileChange(text, type, size, modified, sum);
      }
    } catch (InvalidPathException | InvalidEventException unnamable) {
      // said below
    }
    warnings.warn("unnamable", "File watcher {} cannot report a change of {}: its name is not"
        + " valid in the platform's file-name encoding ({}); watching goes on", name, text,
        System.getProperty("sun.jnu.encoding"));
    return null;
  }

  private String checksum(Path file) throws IOException {
    return checksum.name().toLowerCase(Locale.ROOT) + ":"
        + Digests.hex(file, checksum.jdkName, () -> stopped);
  }

  /** Publishes nothing from now on: the watcher is closing. Thread-safe. */
  void stop() {
    stopped = true;
  }

  /**
   * Once the watcher thread has ended after a close: says in one WARN how many changes the close
   * left unpublished (still settling for the debounce time, or due after it), and forgets them.
   * Returns how many. Their files are not read, so one that would have turned out to be no change
   * (the same content, or gone again) counts too.
   */
  int reportLeftAtClose() {
    int left = dueWhileStopped;
    for (Pending p : pending.values()) {
      if (p.type != null) {
        left++;
      }
    }
    dueWhileStopped = 0;
    pending.clear();
    if (left > 0) {
      warnings.warn("closed", "File watcher {} closed with {} file change(s) not yet published;"
          + " they are not reported", name, left);
    }
    return left;
  }

  /** Forgets every file known and change pending: for a start that failed half-way. */
  void forgetAll() {
    known.clear();
    pending.clear();
  }

  /** How long the watcher may wait for the OS before a pending change is due. */
  long waitMillis() {
    if (pending.isEmpty()) {
      return 1000;
    }
    long due = pending.values().stream().mapToLong(p -> p.lastNanos).min().getAsLong() + debounceNanos;
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime()) + 1);
  }
}
