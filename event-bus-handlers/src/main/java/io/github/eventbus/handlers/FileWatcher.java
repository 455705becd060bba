package io.github.eventbus.handlers;

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
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * <p><b>What is a file.</b> Only regular files are reported and checksummed: a named pipe, socket
 * or device is skipped (opening one could block for ever), and a known file replaced by one is
 * {@code deleted}. The type is checked before the file is opened: a regular file swapped for a
 * named pipe in between (only something renaming files in the watched tree can do that) holds the
 * watcher thread in the open until something writes to the pipe; Java has no non-blocking open to
 * rule that out. A linked directory is not followed, so a link to an ancestor cannot loop.
 *
 * <p><b>Missed events and lost roots.</b> When the OS drops the events of a directory (its queue
 * overflowed under a burst), the watcher lists it again and reports what was created or deleted
 * meanwhile (with checksums, what may have changed too), and every file below a subdirectory that
 * went away as {@code deleted}. A watched root that is deleted, moved away or replaced (its file
 * identity is checked on the watcher thread) is reported in one WARN, its files as
 * {@code deleted}, and it is not watched again, even if it comes back. A root whose attributes
 * cannot be read is not taken for gone at once: denied permission (taken from a directory above
 * it), it stays watched; any other failure (a disk error, a file or a link loop now in its path)
 * keeps it watched for 30 seconds, then it is lost as above. The watcher logs one WARN per ten
 * seconds while a failure lasts.
 *
 * <p><b>Files that vanish.</b> A file deleted while it is being read is reported either both
 * created and deleted or not at all, never only deleted. A file or directory deleted while
 * {@link #start()} lists the tree is skipped rather than failing the start.
 *
 * <p><b>When the bus refuses.</b> A change the bus refuses (closed, or its queue full) is lost;
 * the watcher logs one WARN per ten seconds for such changes, saying how many it left out, and
 * likewise for changes to files that are there but cannot be read (permissions, a disk error).
 * File names in log lines are escaped. Paths are Java strings: a change to a file whose name is
 * not valid in the platform's file-name encoding (on Linux, bytes that are not UTF-8) is not
 * published, since Java reads the name with U+FFFD, which names another file; the same
 * rate-limited WARN says so.
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
  private final String name;
  private final String logName;
  private final DebouncedChanges changes;
  private final RateLimitedLog warnings; // shared by the watcher's parts: one line per condition
  private WatchService service;
  private WatchedTree tree;
  private Thread thread;
  private boolean closed; // under this

  private FileWatcher(Builder b) {
    this.roots = List.copyOf(b.roots);
    this.name = b.name != null ? b.name : String.valueOf(roots.get(0).getFileName());
    this.logName = LogText.escape(name); // a directory's name, which anyone may choose
    this.warnings = new RateLimitedLog(log, b.clock != null ? b.clock : Clock.systemUTC(),
        RateLimitedLog.INTERVAL);
    this.changes = new DebouncedChanges(b.bus, name, List.copyOf(b.includes),
        List.copyOf(b.excludes), b.debounce != null ? b.debounce : Duration.ofMillis(100),
        b.checksum != null ? b.checksum : ChecksumAlgorithm.SHA256,
        warnings);
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
      tree = new WatchedTree(service, changes, name, warnings);
      for (Path root : roots) {
        tree.addRoot(root.toAbsolutePath().normalize());
      }
    } catch (IOException e) {
      forgetStart(); // a later start() begins afresh, and no watch service is left open
      throw new UncheckedIOException("cannot watch " + roots, e);
    } catch (RuntimeException | Error e) {
      forgetStart();
      throw e;
    }
    try {
      // Escaped: a thread's name is in every log line written on it.
      Thread watching = new Thread(this::run, "file-watcher-" + logName);
      watching.setDaemon(true);
      watching.start();
      thread = watching;
    } catch (RuntimeException | Error e) { // no thread to be had: a later start() may try again
      forgetStart();
      throw e;
    }
  }

  /** The watched tree, for tests in this package; null unless started. */
  synchronized WatchedTree tree() {
    return tree;
  }

  private void forgetStart() {
    if (service != null) { // null if the OS refused a watch service
      closeService();
    }
    service = null;
    tree = null;
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
   * bus once this is called (changes still waiting for the debounce time, or whose file is being
   * read for its checksum, are not published, and that read stops; the ending thread says how many
   * in one WARN). Interrupts the thread, which a subscriber running
   * on it (on a synchronous bus) sees, and waits for it up to 10 seconds. Called on the watcher
   * thread itself (from a subscriber), it does not wait. Idempotent.
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

  private void run() {
    try {
      while (true) {
        WatchKey key = service.poll(changes.waitMillis(), TimeUnit.MILLISECONDS);
        if (key != null) {
          tree.process(key);
        }
        changes.publishDue(System.nanoTime());
        tree.checkRoots(System.nanoTime());
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

  @Override
  public String toString() {
    return "FileWatcher{" + name + ", " + roots + "}";
  }

  /** Configures a {@link FileWatcher}. Not thread-safe. */
  public static final class Builder {
    private final EventBus bus;
    private final List<Path> roots = new ArrayList<>();
    private final List<Path> registeredRoots = new ArrayList<>(); // as start() registers each
    private final List<Path> realRoots = new ArrayList<>(); // the real path of each as watched
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
     * Adds a directory to watch, recursively; may be called several times, for directories apart
     * (neither inside the other, by name or as resolved through symbolic links: each file is
     * watched from one directory, whose patterns and events it follows).
     *
     * @param directory an existing directory
     * @return this builder
     * @throws IllegalArgumentException if it is not a directory, or it is, contains or lies inside
     *     a directory added before
     */
    public Builder watch(Path directory) {
      requireNonNull(directory, "directory");
      if (!Files.isDirectory(directory)) {
        throw new IllegalArgumentException("cannot watch " + directory + ": not a directory");
      }
      // Compared as start() registers it (absolute, normalized: the watcher's own bookkeeping
      // goes by these names) and as the OS resolves that (links), each taken now, so that a
      // directory added earlier and deleted since does not block this one.
      Path registered = directory.toAbsolutePath().normalize();
      Path real = realPath(registered);
      for (int i = 0; i < roots.size(); i++) {
        if (overlap(registered, registeredRoots.get(i)) || overlap(real, realRoots.get(i))) {
          throw new IllegalArgumentException("cannot watch " + directory + ": it overlaps "
              + roots.get(i) + ", watched already (watch directories apart from each other)");
        }
      }
      roots.add(directory);
      registeredRoots.add(registered);
      realRoots.add(real);
      return this;
    }

    private static boolean overlap(Path a, Path b) {
      return a.startsWith(b) || b.startsWith(a);
    }

    private static Path realPath(Path directory) {
      try {
        return directory.toRealPath();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot watch " + directory + ": " + e, e);
      }
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
