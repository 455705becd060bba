package io.github.eventbus.handlers;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import io.github.eventbus.internal.LogText;
import io.github.eventbus.internal.RateLimitedLog;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directories one {@link FileWatcher} start watches, and what the OS tells of them: it
 * registers each directory of the tree with the watch service, turns the service's events into
 * changes noted in {@link DebouncedChanges}, and keeps the tree right when the OS loses events
 * (an overflowed queue is rescanned, a directory gone is forgotten with its files, a lost root is
 * reported once). Not thread-safe: {@code start()} fills it, then the watcher thread alone uses
 * it.
 */
final class WatchedTree {

  private static final Logger log = LoggerFactory.getLogger(FileWatcher.class);
  /**
   * How long a root may fail to be read, for another reason than permission, before it counts as
   * lost: long enough for a passing I/O error, short enough that a root whose path now meets a
   * file or a link loop is reported soon.
   */
  static final long UNREADABLE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** Registers a directory with the watch service; a seam for tests of a failing registration. */
  @FunctionalInterface
  interface Registrar {
    WatchKey register(Path directory) throws IOException;
  }

  /**
   * Reads a root's attributes, following a link; a seam for tests of a file system that fails to
   * answer.
   */
  @FunctionalInterface
  interface RootReader {
    BasicFileAttributes read(Path root) throws IOException;
  }

  private final Registrar registrar;
  private final RootReader rootReader;
  private final DebouncedChanges changes;
  private final String name; // the watcher's, as given: the rate-limited log escapes it
  private final String logName; // escaped, for the plain log
  private final RateLimitedLog warnings;
  private final Map<Path, Object> rootKeys = new ConcurrentHashMap<>(); // root -> file identity
  private final Map<Path, Long> unreadableSince = new ConcurrentHashMap<>(); // root -> nanoTime
  private final Map<WatchKey, Path> directories = new ConcurrentHashMap<>();
  private final Map<Path, Path> rootOf = new ConcurrentHashMap<>();
  private final Map<Path, Object> identities = new ConcurrentHashMap<>(); // watched dir -> fileKey

  WatchedTree(WatchService service, DebouncedChanges changes, String name,
      RateLimitedLog warnings) {
    this(d -> d.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE),
        r -> Files.readAttributes(r, BasicFileAttributes.class), changes, name, warnings);
  }

  WatchedTree(Registrar registrar, RootReader rootReader, DebouncedChanges changes, String name,
      RateLimitedLog warnings) {
    this.registrar = registrar;
    this.rootReader = rootReader;
    this.changes = changes;
    this.name = name;
    this.logName = LogText.escape(name);
    this.warnings = warnings;
  }

  /**
   * Watches a root and the directories below it, remembering the files in them without reporting
   * them, and the root's file identity, which {@link #checkRoots} compares later.
   */
  void addRoot(Path root) throws IOException {
    registerTree(root, root, false, System.nanoTime());
    Object key = rootKey(root);
    if (key == null) {
      throw new NotDirectoryException(root.toString());
    }
    rootKeys.put(root, key);
  }

  /**
   * Registers a directory and those below it; optionally reports the files found as created, as
   * changes of the moment {@code now} the directory appeared. Each directory is registered before
   * it is listed, so an entry created meanwhile is either listed or reported by the watch service,
   * never missed.
   */
  private void registerTree(Path directory, Path root, boolean reportFiles, long now)
      throws IOException {
    WatchKey key = registrar.register(directory);
    directories.put(key, directory);
    rootOf.put(directory, root);
    Object identity = fileKey(directory);
    if (identity != null) {
      identities.put(directory, identity);
    }
    List<Path> children;
    try (Stream<Path> list = Files.list(directory)) {
      children = list.toList();
    }
    for (Path p : children) {
      try {
        registerChild(p, root, reportFiles, now);
      } catch (NoSuchFileException | NotDirectoryException gone) {
        // Deleted or replaced since it was listed: nothing there to watch or to remember, and
        // its deletion, if ever seen, concerns nothing known.
      } catch (IOException e) {
        if (!reportFiles) {
          throw e; // at start: start() fails and says so
        }
        // After start (the OS's limit of watches reached, say): the rest of this directory is
        // still watched and reported.
        cannotWatch(p, e);
      }
    }
  }

  /**
   * Watches a directory that appeared after start, reporting the files already in it as created
   * (they may have been written before it was registered). One deleted again at once is skipped:
   * nothing in it was reported, so nothing needs to be reported gone.
   */
  private void watchNew(Path directory, Path root, long now) {
    try {
      registerTree(directory, root, true, now);
    } catch (NoSuchFileException | NotDirectoryException gone) {
      // gone again: nothing in it was reported
    } catch (IOException e) {
      cannotWatch(directory, e);
    }
  }

  /**
   * A directory that appeared after start and cannot be watched: changes in it go unreported,
   * which a user must fix (for the OS's limit of watches: {@code fs.inotify.max_user_watches}).
   * At most one line per ten seconds, as a tree of many directories fails once for each.
   */
  private void cannotWatch(Path directory, IOException e) {
    warnings.warn("cannot watch", "File watcher {} cannot watch new directory {}; changes in it "
        + "are not reported: {}", name, directory.toString(), e.toString());
  }

  private void registerChild(Path p, Path root, boolean reportFiles, long now)
      throws IOException {
    // A linked directory is not followed (a link to an ancestor would loop), and only regular
    // files are files: opening a named pipe to checksum it would block for ever.
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      registerTree(p, root, reportFiles, now);
    } else if (!Files.isRegularFile(p)) {
      return;
    } else if (reportFiles) {
      changes.note(p, root, ChangeType.CREATED, now);
    } else {
      changes.remember(p, root);
    }
  }

  /**
   * After the OS dropped events for a directory: compares what is in it with what is known and
   * notes the files created and deleted meanwhile (and, with a checksum, those that may have
   * changed, which publishing compares).
   */
  private void rescan(Path directory, Path root, long now) {
    List<Path> children;
    try (Stream<Path> list = Files.list(directory)) {
      children = list.toList();
    } catch (NoSuchFileException | NotDirectoryException gone) {
      if (directory.equals(root)) {
        lostRoot(root, now);
      } else {
        forgetTree(directory, root, now); // gone meanwhile: its files are deleted
      }
      return;
    } catch (IOException e) {
      warnings.warn("cannot list", "File watcher {} cannot list {} after missing changes: {}",
          name, directory.toString(), e.toString());
      return;
    }
    Set<Path> present = new HashSet<>();
    Set<Path> subdirectories = new HashSet<>();
    for (Path p : children) {
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        subdirectories.add(p);
      }
    }
    for (Path watched : new ArrayList<>(directories.values())) {
      if (directory.equals(watched.getParent()) && !subdirectories.contains(watched)) {
        forgetTree(watched, root, now); // deleted or moved meanwhile
      }
    }
    for (Path p : children) {
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        if (isWatched(p) && !watchesSameDirectory(p)) {
          // Deleted and created again meanwhile: the watch is the old directory's, gone with it.
          forgetTree(p, root, now);
        }
        if (!isWatched(p)) {
          watchNew(p, root, now);
        }
      } else if (Files.isRegularFile(p)) {
        present.add(p);
        if (!changes.isKnown(p)) {
          changes.note(p, root, ChangeType.CREATED, now);
        } else if (changes.comparesContent()) {
          changes.note(p, root, ChangeType.MODIFIED, now);
        }
      }
    }
    for (Path p : changes.knownIn(directory)) {
      if (!present.contains(p)) {
        changes.note(p, root, ChangeType.DELETED, now);
      }
    }
  }

  /** Turns the events of one key into noted changes; rescans or forgets what the OS lost. */
  void process(WatchKey key) {
    Path directory = directories.get(key);
    long now = System.nanoTime();
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.kind() == OVERFLOW) {
        if (directory != null) {
          log.debug("File watcher {}: the OS event queue overflowed for {}; rescanning it",
              logName, LogText.escape(directory.toString()));
          rescan(directory, rootOf.get(directory), now);
        }
        continue;
      }
      if (directory == null) {
        continue;
      }
      Path path = directory.resolve((Path) event.context());
      Path root = rootOf.get(directory);
      if (event.kind() == ENTRY_DELETE) {
        // What is at the path now says nothing of what was deleted: it may have been replaced.
        if (isWatched(path)) {
          forgetTree(path, root, now); // deleted, or moved out of the tree
        } else if (changes.tracks(path)) {
          changes.note(path, root, ChangeType.DELETED, now);
        } // else never a file seen here: a directory whose own watch was dropped first
        continue;
      }
      if (!Files.isRegularFile(path)) {
        // A directory, a link to one, a dangling link, a pipe, socket or device: not a file
        // whose content changes; or nothing, gone again, whose deletion comes as its own event.
        // If a file was known here, something else replaced it.
        if (changes.tracks(path) && Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
          changes.note(path, root, ChangeType.DELETED, now);
        }
        if (event.kind() == ENTRY_CREATE && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          watchNew(path, root, now);
        }
        continue;
      }
      changes.note(path, root,
          event.kind() == ENTRY_CREATE ? ChangeType.CREATED : ChangeType.MODIFIED, now);
    }
    if (!key.reset() && directories.remove(key) != null) {
      // The directory is gone. Events queued on its key after pollEvents() above are never
      // handed out, and its parent's ENTRY_DELETE will no longer find it watched: every file
      // still known below it is deleted now.
      identities.remove(directory);
      Path root = rootOf.get(directory);
      if (directory.equals(root)) {
        lostRoot(directory, now);
      } else if (root != null) {
        rootOf.remove(directory); // forgetTree finds only directories still watched
        forgetTree(directory, root, now);
      }
    }
  }

  /**
   * Notices roots that are gone, moved away or replaced. The watch service does not always tell
   * (a moved root's own watch stays valid), so the thread also compares each root's file identity
   * with the one it had at start. A root whose attributes cannot be read says nothing certain of
   * where it is: denied permission (taken from a directory above it), it stays watched; any other
   * failure (an I/O error, or a path no longer leading to a directory: a file or a link loop where
   * a directory was) keeps it watched for {@link #UNREADABLE_GRACE_NANOS}, then it is lost. Each
   * failure is logged at most once per interval.
   */
  void checkRoots(long now) {
    for (Map.Entry<Path, Object> e : new ArrayList<>(rootKeys.entrySet())) {
      Path root = e.getKey();
      Object key;
      try {
        key = rootKey(root);
        unreadableSince.remove(root);
      } catch (NoSuchFileException | NotDirectoryException gone) {
        key = null;
      } catch (IOException unknown) {
        long since = unreadableSince.computeIfAbsent(root, r -> now);
        if (unknown instanceof AccessDeniedException || now - since < UNREADABLE_GRACE_NANOS) {
          warnings.warn("cannot check root", "File watcher {} cannot check its root {}; it goes"
              + " on watching it: {}", name, root.toString(), unknown.toString());
          continue;
        }
        key = null; // unreadable for the whole grace: not a passing error
      }
      if (key == null || !key.equals(e.getValue())) {
        lostRoot(root, now);
      }
    }
  }

  /** A root is gone: one WARN, its files reported deleted, and it is watched no more. */
  private void lostRoot(Path root, long now) {
    unreadableSince.remove(root);
    if (rootKeys.remove(root) == null) {
      return; // reported already
    }
    log.warn("File watcher {} lost its root {} (deleted, moved away or replaced); it no longer"
        + " watches it, even if it comes back", logName, LogText.escape(root.toString()));
    forgetTree(root, root, now);
  }

  /**
   * A directory's file identity (inode), or its path where the file system has none; null if
   * gone.
   */
  private static Object fileKey(Path directory) {
    return identity(directory, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * A root's file identity, or null if it is not a directory: a root may be a link to a directory
   * (the builder accepts it), and is the same root as long as the link leads to the same
   * directory.
   *
   * @throws IOException if its attributes cannot be read ({@link NoSuchFileException} if gone)
   */
  private Object rootKey(Path root) throws IOException {
    BasicFileAttributes a = rootReader.read(root);
    if (!a.isDirectory()) {
      return null;
    }
    return a.fileKey() != null ? a.fileKey() : root;
  }

  private static Object identity(Path directory, LinkOption... options) {
    try {
      BasicFileAttributes a = Files.readAttributes(directory, BasicFileAttributes.class, options);
      if (!a.isDirectory()) {
        return null;
      }
      return a.fileKey() != null ? a.fileKey() : directory;
    } catch (IOException e) {
      return null;
    }
  }

  /** The directories whose root is known: for tests of its bound. */
  Set<Path> knownDirectories() {
    return Set.copyOf(rootOf.keySet());
  }

  private boolean isWatched(Path directory) {
    return directories.containsValue(directory);
  }

  /**
   * Whether the watch of a path is still that of the directory now there: its key is valid and
   * the directory has the identity it had when it was registered (the key may not have been
   * invalidated yet).
   */
  private boolean watchesSameDirectory(Path directory) {
    for (Map.Entry<WatchKey, Path> e : directories.entrySet()) {
      if (e.getValue().equals(directory)) {
        Object identity = fileKey(directory);
        return e.getKey().isValid() && identity != null
            && identity.equals(identities.get(directory));
      }
    }
    return false;
  }

  /**
   * Stops watching a directory that is gone from the tree and those below it (a watch would
   * follow a moved directory and report its files under their old paths), and reports every file
   * known below it as deleted.
   */
  private void forgetTree(Path directory, Path root, long now) {
    directories.entrySet().removeIf(e -> {
      if (e.getValue().startsWith(directory)) {
        e.getKey().cancel();
        rootOf.remove(e.getValue());
        identities.remove(e.getValue());
        return true;
      }
      return false;
    });
    for (Path p : changes.filesBelow(directory)) {
      changes.note(p, root, ChangeType.DELETED, now);
    }
  }
}
