package io.github.eventbus.handlers;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;
import static java.util.Objects.requireNonNull;

import io.github.eventbus.EventBus;
import io.github.eventbus.internal.LogText;
import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
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
 * Watches directories, recursively (directories created later included), and publishes a
 * {@link FileChange} for each file created, modified or deleted.
 *
 * <pre>{@code
 * try (FileWatcher watcher = FileWatcher.builder(bus).watch(Path.of("data"))
 *     .exclude("*.tmp").build()) {
 *   watcher.start();
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Debouncing.</b> Changes to a path are gathered until it has been quiet for the debounce
 * time (default 100 ms), then published as one event: a created file written many times is one
 * {@code created}; created then deleted is nothing; deleted then created is {@code modified}. With
 * checksums on (SHA-256 by default; MD5 only if asked), a rewrite with identical content is not
 * reported. Size, modified time and checksum are read when the event is published.
 *
 * <p><b>Renames.</b> A file renamed over an existing watched file (how editors and most tools
 * save: write a temporary file, then move it into place) is {@code modified}; a file renamed or
 * moved into the tree is {@code created}; one renamed or moved out of the tree is
 * {@code deleted}, and so is every file below a directory moved out (which is then no longer
 * watched). A rename within the tree is the old path {@code deleted} and the new one
 * {@code created}. Exclude the temporary files (for example {@code *.tmp}) to hide them.
 *
 * <p><b>What is a file.</b> Only regular files are reported and checksummed: a named pipe,
 * socket or device is skipped (opening one could block for ever), and a known file replaced by
 * one is {@code deleted}. A linked directory is not followed, so a link to an ancestor cannot
 * loop.
 *
 * <p><b>Missed events and lost roots.</b> When the OS drops the events of a directory (its queue
 * overflowed under a burst), the watcher lists it again and reports what was created or deleted
 * meanwhile (with checksums, what may have changed too), and every file below a subdirectory that
 * went away as {@code deleted}. A watched root that is deleted, moved away or replaced (its file
 * identity is checked on the watcher thread) is reported in one WARN, its files as
 * {@code deleted}, and it is not watched again, even if it comes back.
 *
 * <p><b>Files that vanish.</b> A file deleted while it is being read is reported either both
 * created and deleted or not at all, never only deleted. A file or directory deleted while
 * {@link #start()} lists the tree is skipped rather than failing the start.
 *
 * <p><b>When the bus refuses.</b> A change the bus refuses (closed, or its queue full) is lost;
 * the watcher logs one WARN per ten seconds for such changes, saying how many it left out, and
 * likewise for changes to files that are there but cannot be read (permissions, a disk error).
 * File names in log lines are escaped. Paths are Java strings: a file name not valid in the
 * platform's file-name encoding (on Linux, bytes that are not UTF-8) is published with U+FFFD.
 *
 * <p><b>Filters.</b> Include and exclude globs are matched against the path relative to the
 * watched directory and against the file name, so {@code *.txt} matches {@code a/b/c.txt}. With
 * includes, only matching files are reported; excludes win.
 *
 * <p><b>Threads.</b> {@link #start()} starts one daemon thread named {@code file-watcher-<name>};
 * {@link #close()} stops it. Uses the JDK's {@link WatchService}: native (inotify) on Linux; on
 * macOS the JDK polls, so changes can take seconds to show.
 *
 * <p><b>Thread-safety:</b> {@code start} and {@code close} may be called from any thread.
 */
public final class FileWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FileWatcher.class);

  private final List<Path> roots;
  private final Map<Path, Object> rootKeys = new ConcurrentHashMap<>(); // root -> file identity
  private final String name;
  private final String logName;
  private final DebouncedChanges changes;
  private final Map<WatchKey, Path> directories = new ConcurrentHashMap<>();
  private final Map<Path, Path> rootOf = new ConcurrentHashMap<>();
  private final Map<Path, Object> identities = new ConcurrentHashMap<>(); // watched dir -> fileKey
  private WatchService service;
  private Thread thread;
  private boolean closed; // under this

  private FileWatcher(Builder b) {
    this.roots = List.copyOf(b.roots);
    this.name = b.name != null ? b.name : String.valueOf(roots.get(0).getFileName());
    this.logName = LogText.escape(name); // a directory's name, which anyone may choose
    this.changes = new DebouncedChanges(b.bus, name, List.copyOf(b.includes),
        List.copyOf(b.excludes), b.debounce != null ? b.debounce : Duration.ofMillis(100),
        b.checksum != null ? b.checksum : ChecksumAlgorithm.SHA256,
        new RateLimitedLog(log, b.clock != null ? b.clock : Clock.systemUTC(),
            RateLimitedLog.INTERVAL));
  }

  /**
   * Starts configuring a watcher that publishes on a bus.
   *
   * @param bus the bus
   * @return a builder
   */
  public static Builder builder(EventBus bus) {
    return new Builder(requireNonNull(bus, "bus"));
  }

  /**
   * Registers the directories and starts the watcher thread. Idempotent.
   *
   * @throws UncheckedIOException if a directory cannot be watched
   * @throws IllegalStateException if the watcher was closed
   */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("file watcher '" + name + "' is closed; build a new one");
    }
    if (thread != null) {
      return;
    }
    try {
      service = FileSystems.getDefault().newWatchService();
      for (Path root : roots) {
        Path r = root.toAbsolutePath().normalize();
        registerTree(r, r, false, System.nanoTime());
        rootKeys.put(r, rootKey(r));
      }
    } catch (IOException e) {
      forgetStart(); // a later start() begins afresh, and no watch service is left open
      throw new UncheckedIOException("cannot watch " + roots, e);
    }
    thread = new Thread(this::run, "file-watcher-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private void forgetStart() {
    closeService();
    service = null;
    directories.clear();
    rootOf.clear();
    identities.clear();
    rootKeys.clear();
    changes.forgetAll();
  }

  private void closeService() {
    try {
      service.close();
    } catch (IOException e) {
      log.debug("closing the watch service failed", e);
    }
  }

  /**
   * Stops the watcher thread and releases the watch service; no further change is handed to the
   * bus once this is called (changes still waiting for the debounce time are not published; the
   * ending thread says how many in one WARN). Interrupts the thread, which a subscriber running on it (on a
   * synchronous bus) sees, and waits for it up to 10 seconds. Called on the watcher thread itself
   * (from a subscriber), it does not wait. Idempotent.
   */
  @Override
  public void close() {
    changes.stop();
    Thread running;
    synchronized (this) {
      closed = true;
      if (service == null) {
        return;
      }
      closeService();
      running = thread;
    }
    if (running != null && running != Thread.currentThread()) {
      running.interrupt();
      try {
        running.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Registers a directory and those below it; optionally reports the files found as created, as
   * changes of the moment {@code now} the directory appeared. Each directory is registered before
   * it is listed, so an entry created meanwhile is either listed or reported by the watch service,
   * never missed.
   */
  private void registerTree(Path directory, Path root, boolean reportFiles, long now)
      throws IOException {
    WatchKey key = directory.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
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
      log.warn("File watcher {} cannot watch new directory {}: {}", logName,
          LogText.escape(directory.toString()), e.toString());
    }
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
      log.warn("File watcher {} cannot list {} after missing changes: {}", logName,
          LogText.escape(directory.toString()), e.toString());
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

  private void run() {
    try {
      while (true) {
        WatchKey key = service.poll(changes.waitMillis(), TimeUnit.MILLISECONDS);
        if (key != null) {
          process(key);
        }
        changes.publishDue(System.nanoTime());
        checkRoots(System.nanoTime());
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      changes.reportLeftAtClose(); // close() was called
    } catch (RuntimeException | Error e) {
      log.error("File watcher {} stopped after an unexpected error; no further changes are"
          + " reported", logName, e);
      if (e instanceof Error error) {
        throw error; // and so to the thread's uncaught-exception handler
      }
    }
  }

  private void process(WatchKey key) {
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
        forgetTree(directory, root, now);
      }
    }
  }

  /**
   * Notices roots that are gone, moved away or replaced. The watch service does not always tell
   * (a moved root's own watch stays valid), so the thread also compares each root's file identity
   * with the one it had at start.
   */
  private void checkRoots(long now) {
    for (Map.Entry<Path, Object> e : new ArrayList<>(rootKeys.entrySet())) {
      Object key = identity(e.getKey());
      if (key == null || !key.equals(e.getValue())) {
        lostRoot(e.getKey(), now);
      }
    }
  }

  /** A root is gone: one WARN, its files reported deleted, and it is watched no more. */
  private void lostRoot(Path root, long now) {
    if (rootKeys.remove(root) == null) {
      return; // reported already
    }
    log.warn("File watcher {} lost its root {} (deleted, moved away or replaced); it no longer"
        + " watches it, even if it comes back", logName, LogText.escape(root.toString()));
    forgetTree(root, root, now);
  }

  /** A directory's file identity (inode), or its path where the file system has none; null if gone. */
  private static Object fileKey(Path directory) {
    return identity(directory, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * A root's file identity: a root may be a link to a directory (the builder accepts it), and is
   * the same root as long as the link leads to the same directory.
   */
  private static Object rootKey(Path root) throws IOException {
    Object key = identity(root);
    if (key == null) {
      throw new NotDirectoryException(root.toString());
    }
    return key;
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

  @Override
  public String toString() {
    return "FileWatcher{" + name + ", " + roots + "}";
  }

  /** Configures a {@link FileWatcher}. Not thread-safe. */
  public static final class Builder {
    private final EventBus bus;
    private final List<Path> roots = new ArrayList<>();
    private final List<PathMatcher> includes = new ArrayList<>();
    private final List<PathMatcher> excludes = new ArrayList<>();
    private Duration debounce;
    private ChecksumAlgorithm checksum;
    private String name;
    private Clock clock;

    private Builder(EventBus bus) {
      this.bus = bus;
    }

    /**
     * Adds a directory to watch, recursively; may be called several times.
     *
     * @param directory an existing directory
     * @return this builder
     * @throws IllegalArgumentException if it is not a directory
     */
    public Builder watch(Path directory) {
      requireNonNull(directory, "directory");
      if (!Files.isDirectory(directory)) {
        throw new IllegalArgumentException("cannot watch " + directory + ": not a directory");
      }
      roots.add(directory);
      return this;
    }

    /**
     * Reports only files matching a glob; may be called several times.
     *
     * @param glob a glob such as {@code *.pdf} or {@code reports/**}
     * @return this builder
     * @throws IllegalArgumentException if the glob is malformed (a {@code PatternSyntaxException})
     */
    public Builder include(String glob) {
      includes.add(FileSystems.getDefault().getPathMatcher("glob:" + requireNonNull(glob, "glob")));
      return this;
    }

    /**
     * Never reports files matching a glob; may be called several times.
     *
     * @param glob a glob such as {@code *.tmp}
     * @return this builder
     * @throws IllegalArgumentException if the glob is malformed (a {@code PatternSyntaxException})
     */
    public Builder exclude(String glob) {
      excludes.add(FileSystems.getDefault().getPathMatcher("glob:" + requireNonNull(glob, "glob")));
      return this;
    }

    /**
     * Sets how long a path must be quiet before its change is published; default 100 ms.
     *
     * @param quiet zero or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder debounce(Duration quiet) {
      this.debounce = Settings.setOnce(this.debounce, Settings.nonNegative(quiet, "debounce"),
          "debounce");
      return this;
    }

    /**
     * Chooses the checksum; default SHA-256.
     *
     * @param algorithm the algorithm, or {@link ChecksumAlgorithm#NONE}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder checksum(ChecksumAlgorithm algorithm) {
      this.checksum = Settings.setOnce(this.checksum, algorithm, "checksum");
      return this;
    }

    /**
     * Names the watcher's thread {@code file-watcher-<name>}; default the first directory's name.
     *
     * @param name the name
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder name(String name) {
      this.name = Settings.setOnce(this.name, name, "name");
      return this;
    }

    /**
     * Sets the clock that spaces repeated warnings (at most one line per ten seconds for changes
     * the bus refused); default the system clock.
     *
     * @param clock the clock
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder clock(Clock clock) {
      this.clock = Settings.setOnce(this.clock, clock, "clock");
      return this;
    }

    /**
     * Builds the watcher; {@link FileWatcher#start()} starts it.
     *
     * @return the watcher
     * @throws IllegalStateException if no directory was added
     */
    public FileWatcher build() {
      if (roots.isEmpty()) {
        throw new IllegalStateException("add at least one directory with watch(path)");
      }
      return new FileWatcher(this);
    }
  }
}
