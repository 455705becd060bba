package io.github.eventbus.webhooks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
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
   * Channels of lock files that this process had locked through another channel (application
   * code, another mount of the directory), and the identities of those files. Static and never
   * closed for the same reason: closing such a channel, or its collection, would release that
   * other lock. One per file: such a file is not opened again.
   */
  private static final Set<FileChannel> KEPT_OPEN = ConcurrentHashMap.newKeySet();
  private static final Set<Object> KEPT_FILES = ConcurrentHashMap.newKeySet();

  private final Path path;
  private final AtomicBoolean released = new AtomicBoolean();
  private FileChannel channel; // null: the file system cannot lock; guarded by this
  private Object fileKey; // of the locked file, to tell it from a new one at its path

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
    if (Objects.equals(now, fileKey) || now != null && KEPT_FILES.contains(now)) {
      return; // still ours, or found locked here before (and reported then)
    }
    FileChannel renewed = null;
    try {
      Files.createDirectories(path.getParent());
      renewed = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
      if (renewed.tryLock() == null) {
        closeQuietly(renewed); // locked by another process: this one holds no lock to lose
        log.warn("The lock file {} of a webhook outbox was deleted, and another client has "
            + "locked a new one since: two clients now use the outbox; close one", path);
        return;
      }
      closeQuietly(channel); // the deleted file's lock, which guards nothing now
      channel = renewed;
      fileKey = fileKey(path);
    } catch (OverlappingFileLockException lockedHere) {
      keepOpen(renewed, path);
      warnNotRenewed(lockedHere);
    } catch (IOException | RuntimeException e) {
      if (renewed != null) {
        closeQuietly(renewed);
      }
      warnNotRenewed(e);
    }
  }

  /** Keeps a channel of a file locked here through another channel: see {@link #KEPT_OPEN}. */
  private static void keepOpen(FileChannel channel, Path path) {
    KEPT_OPEN.add(channel);
    Object key = fileKey(path);
    if (key != null) {
      KEPT_FILES.add(key);
    }
  }

  private void warnNotRenewed(Exception e) {
    log.warn("The lock file {} of a webhook outbox was deleted and could not be made again "
        + "({}); another client could open the outbox while this one runs", path, e.toString());
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
    Object existing = fileKey(path);
    if (existing != null && KEPT_FILES.contains(existing)) {
      throw inUse(file); // locked here through another channel, found so before
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the lock file of the webhook outbox " + file, e);
    }
    try {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return new OutboxLock(path, channel);
      }
    } catch (OverlappingFileLockException lockedThroughAnotherPath) {
      // Held here through a path the record does not know (another mount of the directory, or
      // application code): closing this channel would release the holder's lock.
      keepOpen(channel, path);
      throw inUse(file);
    } catch (IOException noLocks) { // the file system has none (some network file systems)
      log.warn("Cannot lock the webhook outbox {} ({}); its file system may not support locks. "
          + "Make sure no other client uses it at the same time", file, noLocks.toString());
      closeQuietly(channel);
      return new OutboxLock(path, null);
    }
    closeQuietly(channel); // held by another process: this one holds no lock to lose
    throw inUse(file);
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
