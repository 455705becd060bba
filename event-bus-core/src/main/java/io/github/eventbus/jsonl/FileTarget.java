package io.github.eventbus.jsonl;

import io.github.eventbus.internal.DurableFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file a {@link JsonLinesWriter} writes now: opens it (creating directories), rolls over by day
 * and size, writes whole batches and, after each, checks that the open file is still the one at
 * its path. A file that was deleted, or replaced together with its directory, is noticed at the
 * next write, which then fails with {@link Vanished} so that the writer reports it and writes the
 * batch again into a new file. Not thread-safe: owned by the writer thread, except
 * {@link #current()}.
 */
final class FileTarget {

  /** The open file is no longer the one at its path: deleted, moved or replaced. */
  static final class Vanished extends IOException {
    Vanished(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The file was replaced, but the replacement may not survive a power cut. */
  static final class NotForced extends IOException {
    NotForced(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(JsonLinesWriter.class);
  private static final String NOT_OPEN = " was deleted (or its directory was) while not open";

  private final LogFiles files;
  private final long maxFileBytes;
  private final Clock clock;
  private final boolean fsync;
  // Whether a file lost while not being written to counts as vanished too: the one open at a
  // rollover, or the one to reopen after a failure or found at start. Set for writers that restore
  // state into a new file; a plain log just goes on in the next file.
  private final boolean noticeLoss;
  private Path expected; // the file to open next if it is still there; null: none known
  /** A file and the day it is of ("" for a fixed file): read together, written together. */
  private record Named(Path file, String day) {}

  private volatile Named current;

  private FileChannel channel;
  private Object fileKey; // identity of the open file, or null where the file system has none
  private String day;
  private int index;
  private long size;

  FileTarget(LogFiles files, long maxFileBytes, Clock clock, boolean fsync, boolean noticeLoss) {
    this.files = files;
    this.maxFileBytes = maxFileBytes;
    this.clock = clock;
    this.fsync = fsync;
    this.noticeLoss = noticeLoss;
    String today = files.day(clock.instant());
    this.current = new Named(files.file(today, openingIndex(today)), today);
    if (noticeLoss) {
      this.expected = fileAtStart();
    }
  }

  /** The file the first write will append to, if it exists now; else null. */
  private Path fileAtStart() {
    Path first = current();
    try {
      return Files.isRegularFile(first, LinkOption.NOFOLLOW_LINKS) ? first : null;
    } catch (RuntimeException e) {
      return null; // unreadable now: the first write reports what is wrong
    }
  }

  /** The file written now, or to be opened next. Thread-safe. */
  Path current() {
    return current.file();
  }

  /**
   * The file the next line goes to by the clock now: for daily files after midnight, the new
   * day's, though the writer opens it only with that line. Thread-safe.
   */
  Path fileNow() {
    Named now = current;
    if (files.isFixed()) {
      return now.file();
    }
    String today = files.day(clock.instant());
    return today.equals(now.day()) ? now.file() : files.file(today, openingIndex(today));
  }

  /** The index the first file of a day opens at; 0 if the directory cannot be read now. */
  private int openingIndex(String day) {
    try {
      return files.openingIndex(day, maxFileBytes);
    } catch (IOException | RuntimeException e) {
      return 0; // unreadable now: the next write says what is wrong
    }
  }

  /**
   * Writes the lines and, under FSYNC, forces them to the device. Returns only once they are in
   * the file that is at its path now.
   *
   * @throws Vanished if the open file was deleted or replaced; the lines are not in the file at
   *     the path, the channel is closed, and the next call opens a new file
   * @throws IOException if opening, writing or forcing failed; the channel is closed
   */
  void write(LineBuffer lines) throws IOException {
    try {
      prepare(lines.size());
      size += lines.writeTo(channel);
      if (fsync) {
        channel.force(false);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
    String gone = stillThere();
    if (gone != null) {
      close();
      throw lost(current() + " " + gone + " while open; the lines written since are not in it");
    }
  }

  /** The size of the open file by the writer's count; 0 if none is open. */
  long size() {
    return channel == null ? 0 : size;
  }

  /** Whether the open file is still the one at its path; true if none is open. */
  boolean isStillThere() {
    return channel == null || stillThere() == null;
  }

  /**
   * Replaces the fixed file by what {@code content} writes (see {@link DurableFiles#replace}),
   * closes the old file's channel so that the next write opens the new file, and forces the
   * directory. On a failure before the move the file at the path and the open channel are as
   * they were.
   *
   * @return the new file's size
   * @throws NotForced if the file was replaced but its directory could not be forced
   * @throws IOException if the file could not be replaced
   */
  long replace(DurableFiles.Content content) throws IOException {
    long replaced = DurableFiles.replace(current(), content);
    close();
    if (noticeLoss) {
      expected = current();
    }
    try {
      DurableFiles.forceDirectory(current());
    } catch (IOException e) {
      throw new NotForced(current() + " was replaced, but its directory could not be forced to "
          + "disk; a power cut may bring back the file as it was", e);
    }
    return replaced;
  }

  /** Null if the file at the path is the open one; otherwise what happened to it. */
  private String stillThere() {
    BasicFileAttributes now;
    try {
      now = Files.readAttributes(current(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return "was deleted (or its directory was)";
    }
    if (fileKey != null && !fileKey.equals(now.fileKey())) {
      return "was replaced by another file";
    }
    return null;
  }

  private void prepare(int bytes) throws IOException {
    String today = files.day(clock.instant());
    if (channel != null && !today.equals(day)) {
      closeForRollover();
    }
    if (channel != null && maxFileBytes > 0 && size > 0 && size + bytes > maxFileBytes
        && wouldPassLimit(bytes)) {
      closeForRollover();
      open(today, index + 1);
      return;
    }
    if (channel == null) {
      createDirectory();
      int opening = files.openingIndex(today, maxFileBytes);
      Path file = files.file(today, opening);
      if (file.equals(expected) && expectedGone()) {
        throw lost(file + NOT_OPEN);
      }
      open(today, opening);
    }
  }

  /**
   * Closes the file for the next one; when losses are noticed, first checks that it is still
   * there, since no write into it will look again.
   */
  private void closeForRollover() throws IOException {
    String gone = noticeLoss ? stillThere() : null;
    close();
    if (gone != null) {
      throw lost(current() + " " + gone + " while open");
    }
  }

  /**
   * Between writes, when losses are noticed: what happened to the file the writer has open, or
   * to the one it found at start, if it has gone since; then it is closed and the next write
   * starts a new file. Null if it is still there, or losses are not noticed.
   */
  String lostWhileIdle() {
    if (!noticeLoss) {
      return null;
    }
    if (channel != null) {
      String gone = stillThere();
      if (gone == null) {
        return null;
      }
      close();
      expected = null;
      return current() + " " + gone + " while open and idle";
    }
    if (expected != null && expectedGone()) {
      Path file = expected;
      expected = null;
      return file + NOT_OPEN;
    }
    return null;
  }

  /** Whether the file the writer expects to open next is no longer there. */
  private boolean expectedGone() {
    return !Files.exists(expected, LinkOption.NOFOLLOW_LINKS);
  }

  /** Reports a lost file once: the caller writes again, into a new file, which is no loss. */
  private Vanished lost(String message) {
    expected = null;
    return new Vanished(message, null);
  }

  /**
   * Whether the batch would pass the limit by the file's real size: what we wrote may since have
   * been truncated in place by another tool (copytruncate). Read only when our count says so.
   */
  private boolean wouldPassLimit(int bytes) throws IOException {
    size = channel.size();
    return size > 0 && size + bytes > maxFileBytes;
  }

  private void createDirectory() throws IOException {
    Path blocker = files.nonDirectoryInTheWay();
    if (blocker != null) {
      throw new FileSystemException(blocker.toString(), null,
          "exists and is not a directory, so " + files.directory() + " cannot be created");
    }
    Files.createDirectories(files.directory());
  }

  private void open(String day, int index) throws IOException {
    Path file = files.file(day, index);
    current = new Named(file, day);
    if (Files.isSymbolicLink(file)) {
      // Never written through: a link put at a log's path would have the writer change (cut a
      // torn line from, append to) whatever file it points to.
      throw new FileSystemException(file.toString(), null,
          "is a symbolic link; a log file is never written through one");
    }
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)
        && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      // A named pipe would block the open (and the torn-tail check) until a reader came.
      throw new FileSystemException(file.toString(), null,
          "is not a regular file (a named pipe, socket or device); a log file must be one");
    }
    long moved = LogFiles.repairTornTail(file);
    if (moved > 0) {
      log.warn("Moved a torn last line ({} bytes, left by an interrupted write) from {} to {}.corrupt",
          moved, file, file.getFileName());
    }
    FileChannel opened = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
    try {
      fileKey = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .fileKey();
      size = opened.size();
    } catch (IOException | RuntimeException e) {
      opened.close();
      throw e;
    }
    this.channel = opened;
    this.day = day;
    this.index = index;
    if (noticeLoss) {
      this.expected = file;
    }
  }

  void close() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        log.debug("Closing {} failed", current(), e);
      }
      channel = null;
      fileKey = null;
    }
  }

  @Override
  public String toString() {
    return "FileTarget{" + current() + ", open=" + Objects.nonNull(channel) + "}";
  }
}
