package io.github.eventbus.webhooks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a second client, in this process or another, off an outbox file that a client has open:
 * an operating-system lock on {@code <file>.lock}, held until {@link #close()} (or the process
 * ends, however it ends). Two clients on one outbox would both resume its deliveries, and each
 * would compact away the other's records. The lock file itself is left in place: removing it
 * would let a third client lock a new file while the second still holds the old one. If it is
 * deleted all the same (with its directory, say), {@link #renewIfGone()} locks a new one.
 */
final class OutboxLock implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookClient.class);
  /**
   * The lock files this process holds. Static because the operating system's lock is the
   * process's: closing any channel of a locked file releases it (POSIX), so a second client in
   * this process must be refused before it opens the file, which only this record can tell.
   */
  private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();
  /**
   * Channels of lock files found locked by this process through another channel (application
   * code, another mount of the directory), by file identity. Static and not closed for the same
   * reason as above: closing such a channel, or its collection, would release that other lock.
   * The next attempt on the file tries the lock through the kept channel, which then becomes the
   * lock's if the other has let go.
   */
  private static final Map<Object, FileChannel> KEPT_OPEN = new ConcurrentHashMap<>();
  private static final Set<FileChannel> KEPT_TOO = ConcurrentHashMap.newKeySet(); // lost races

  /** What trying a lock file gave: the channel holding its lock, or why there is none. */
  private enum Outcome { LOCKED, HELD_HERE, HELD_ELSEWHERE, NO_LOCKS }

  private record Attempt(Outcome outcome, FileChannel channel, IOException noLocks) {}

  private final Path path;
  private final AtomicBoolean released = new AtomicBoolean();
  private FileChannel channel; // null: the file system cannot lock; guarded by this
  private Object fileKey; // of the locked file, to tell it from a new one at its path
  private Object reported; // the last renewal failure warned of, guarded by this

  private OutboxLock(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
    this.fileKey = channel == null ? null : fileKey(path);
  }

  private static Object fileKey(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    } catch (IOException gone) {
      return null;
    }
  }

  /**
   * Called whenever the outbox is written whole again (its file vanished, or is compacted): if
   * the lock file has gone too (its directory was deleted, say), locks a new one at its path, so
   * that a client started later is still refused. If another client has locked it meanwhile,
   * says so: both now write the outbox. Never throws: the outbox runs on whatever happens here.
   * Does nothing where the file system gives no file identity ({@code fileKey()}).
   */
  synchronized void renewIfGone() {
    if (released.get() || channel == null || fileKey == null) {
      return;
    }
    Object now = fileKey(path);
    if (Objects.equals(now, fileKey)) {
      return;
    }
    try {
      Files.createDirectories(path.getParent());
      Attempt a = tryLock(path);
      switch (a.outcome()) {
        case LOCKED -> {
          closeQuietly(channel); // the deleted file's lock, which guards nothing now
          channel = a.channel();
          fileKey = fileKey(path);
          reported = null;
        }
        case HELD_ELSEWHERE -> warnOnce(now, "another client has locked a new one since: two "
            + "clients now use the outbox; close one");
        case HELD_HERE -> warnOnce(now, notRenewed("held by this process through another "
            + "channel"));
        default -> warnOnce(now, notRenewed(a.noLocks().toString()));
      }
    } catch (IOException | RuntimeException e) {
      warnOnce(now, notRenewed(e.toString()));
    }
  }

  private static String notRenewed(String why) {
    return "it could not be made again (" + why + "); another client could open the outbox "
        + "while this one runs";
  }

  /**
   * Warns of a lock file not renewed, once per file and outcome: renewal is tried again at every
   * whole rewrite of the outbox, and a lasting condition would otherwise repeat the line.
   */
  private void warnOnce(Object file, String what) {
    Object incident = Arrays.asList(file, what);
    if (!incident.equals(reported)) {
      reported = incident;
      log.warn("The lock file {} of a webhook outbox was deleted, and {}", path, what);
    }
  }

  /**
   * Tries the lock of a lock file, through the channel kept for it if any (see
   * {@link #KEPT_OPEN}), else through a new one, which is closed unless it holds the lock or
   * must be kept.
   *
   * @throws IOException if the file cannot be opened
   */
  private static Attempt tryLock(Path path) throws IOException {
    Object key = fileKey(path);
    // Taken out while tried, so that no other thread locks (and later closes) it meanwhile.
    FileChannel kept = key == null ? null : KEPT_OPEN.remove(key);
    FileChannel channel = kept != null ? kept : FileChannel.open(path,
        StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    try {
      if (channel.tryLock() != null) {
        return new Attempt(Outcome.LOCKED, channel, null);
      }
      settle(channel, kept, key); // locked by another process
      return new Attempt(Outcome.HELD_ELSEWHERE, null, null);
    } catch (OverlappingFileLockException heldHere) {
      // A new channel's file may have been made by the open (no identity before): asked again.
      keep(channel, key != null ? key : fileKey(path));
      return new Attempt(Outcome.HELD_HERE, null, null);
    } catch (IOException noLocks) { // the file system has none (some network file systems)
      settle(channel, kept, key);
      return new Attempt(Outcome.NO_LOCKS, null, noLocks);
    }
  }

  /**
   * After an attempt that took no lock and did not meet this process's own: a new channel is
   * closed (this process holds no lock of the file to lose), a kept one goes back.
   */
  private static void settle(FileChannel channel, FileChannel kept, Object key) {
    if (kept != null) {
      putBack(key, kept);
    } else {
      closeQuietly(channel);
    }
  }

  private static void putBack(Object key, FileChannel kept) {
    if (KEPT_OPEN.putIfAbsent(key, kept) != null) {
      KEPT_TOO.add(kept);
    }
  }

  /**
   * Keeps a channel of a file this process holds locked through another one. Without a file
   * identity (not a POSIX file system, where closing one channel releases only its own locks;
   * or the file has just gone) it is closed instead.
   */
  private static void keep(FileChannel channel, Object key) {
    if (key == null) {
      closeQuietly(channel);
    } else {
      putBack(key, channel); // or, if another was kept for the file meanwhile, beside it
    }
  }

  /**
   * Takes the lock of {@code file}'s outbox, creating its directory if needed.
   *
   * @throws IllegalStateException if another client holds it
   * @throws UncheckedIOException if the lock file cannot be opened
   */
  static OutboxLock acquire(Path file) {
    Path path;
    try {
      Path directory = Files.createDirectories(file.toAbsolutePath().getParent());
      path = directory.toRealPath().resolve(file.getFileName() + ".lock");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the lock file of the webhook outbox " + file, e);
    }
    if (!HELD_HERE.add(path)) {
      throw inUse(file);
    }
    try {
      return lock(file, path);
    } catch (RuntimeException | Error e) {
      HELD_HERE.remove(path);
      throw e;
    }
  }

  private static OutboxLock lock(Path file, Path path) {
    Attempt a;
    try {
      a = tryLock(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the lock file of the webhook outbox " + file, e);
    }
    return switch (a.outcome()) {
      case LOCKED -> new OutboxLock(path, a.channel());
      case NO_LOCKS -> {
        log.warn("Cannot lock the webhook outbox {} ({}); its file system may not support locks. "
            + "Make sure no other client uses it at the same time", file, a.noLocks().toString());
        yield new OutboxLock(path, null);
      }
      // HELD_HERE: through a path the record does not know (another mount of the directory, or
      // application code)
      default -> throw inUse(file);
    };
  }

  private static IllegalStateException inUse(Path file) {
    return new IllegalStateException("the webhook outbox " + file + " is in use by another "
        + "client, in this process or another; each outbox file has one client at a time");
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("Closing an outbox lock file failed", e);
    }
  }

  /** Releases the lock. Idempotent: a second call leaves a later holder's record alone. */
  @Override
  public void close() {
    if (!released.compareAndSet(false, true)) {
      return;
    }
    synchronized (this) {
      if (channel != null) {
        closeQuietly(channel); // releases the lock
      }
    }
    HELD_HERE.remove(path);
  }
}
