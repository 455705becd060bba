package io.github.eventbus.jsonl;

import io.github.eventbus.internal.DurableFiles;
import io.github.eventbus.internal.WrittenFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How the library's JSON Lines files are named, rolled over and ordered: a fixed file, which rolls
 * over by size to its name with {@code .<n>} before the extension ({@code state.jsonl},
 * {@code state.1.jsonl}, ...), or daily files {@code <prefix>_YYYYMMDD.jsonl} that roll over to
 * {@code <prefix>_YYYYMMDD.<n>.jsonl}. The one place that knows these names: the
 * {@link JsonLinesWriter} asks it which file to write, readers ask it in which order to read.
 * Also repairs a torn last line left by a crash.
 *
 * <p><b>Thread-safety:</b> immutable and thread-safe.
 */
public final class LogFiles {

  private static final Pattern DAILY = Pattern.compile("(.*)_(\\d{8})(?:\\.(\\d+))?\\.jsonl");
  private static final Pattern ROLLED = Pattern.compile("(.+)\\.(\\d{1,18})\\.jsonl");
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd", java.util.Locale.ROOT);

  private final Path fixed; // null for daily files
  // The fixed file's name split at its extension's dot (state | .jsonl): its roll-overs' number
  // goes between. An extension starts at the last dot, not a leading one; "" if none.
  private final String stem;
  private final String extension;
  private final Path directory;
  private final String prefix;
  private final ZoneId zone;

  private LogFiles(Path fixed, Path directory, String prefix, ZoneId zone) {
    this.fixed = fixed;
    this.directory = directory;
    this.prefix = prefix;
    this.zone = zone;
    String name = fixed == null ? "" : fixed.getFileName().toString();
    int dot = name.lastIndexOf('.');
    this.stem = dot > 0 ? name.substring(0, dot) : name;
    this.extension = dot > 0 ? name.substring(dot) : "";
  }

  static LogFiles fixed(Path file) {
    return new LogFiles(file, file.toAbsolutePath().getParent(), null, null);
  }

  /** Daily files whose day is taken in UTC until {@link #inZone} says otherwise. */
  static LogFiles daily(Path directory, String prefix) {
    return new LogFiles(null, directory, prefix, java.time.ZoneOffset.UTC);
  }

  /** The same files with the day taken in {@code zone}; a fixed file has no day. */
  LogFiles inZone(ZoneId zone) {
    return fixed != null ? this : new LogFiles(null, directory, prefix, zone);
  }

  /**
   * What the files are called, for a thread's name: the fixed file's name, or the daily files'
   * pattern ({@code events_YYYYMMDD.jsonl}), which, unlike one day's name, stays true after
   * midnight.
   */
  String namePattern() {
    return fixed != null ? fixed.getFileName().toString() : prefix + "_YYYYMMDD.jsonl";
  }

  /** Whether this is one fixed file rather than daily files. */
  boolean isFixed() {
    return fixed != null;
  }

  Path directory() {
    return directory;
  }

  /**
   * The nearest existing path at or above the directory if it is not a directory (so the
   * directory cannot be created), otherwise {@code null}.
   */
  Path nonDirectoryInTheWay() {
    for (Path p = directory.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        return Files.isDirectory(p) ? null : p;
      }
    }
    return null;
  }

  /**
   * The files as one path, for messages: the fixed file, or the daily files' pattern in their
   * directory ({@code <dir>/events_YYYYMMDD.jsonl}).
   */
  Path namePath() {
    return fixed != null ? fixed : directory.resolve(namePattern());
  }

  /** What a writer of these files writes, for {@link WrittenFiles}. */
  WrittenFiles.Names names(long maxFileBytes) {
    return fixed == null ? WrittenFiles.Names.daily(directory, prefix)
        : WrittenFiles.Names.fixed(fixed, maxFileBytes > 0);
  }

  /**
   * Fails if these files can never be written because a path that must be a directory is a
   * file, or the fixed file is a directory.
   *
   * @throws IllegalArgumentException naming the option and the path in the way
   */
  void checkPaths() {
    Path blocker = nonDirectoryInTheWay();
    String option = fixed != null ? "file" : "directory";
    Path named = fixed != null ? fixed : directory;
    if (blocker != null) {
      throw new IllegalArgumentException(blocker.equals(directory.toAbsolutePath())
          ? option + " " + named + ": " + blocker + " exists and is not a directory"
          : option + " " + named + " cannot be created: " + blocker + " exists and is not a directory");
    }
    if (fixed != null && Files.isDirectory(fixed)) {
      throw new IllegalArgumentException("file " + fixed + " is a directory");
    }
  }

  String day(Instant now) {
    return fixed != null ? "" : DAY.format(now.atZone(zone));
  }

  /**
   * The file for a day and index; the fixed file ignores the day, and its index goes before its
   * extension, as for daily files, so that a logrotate-style {@code <file>.1} is never taken for
   * one of the writer's.
   */
  Path file(String day, int index) {
    if (fixed != null) {
      return index == 0 ? fixed : fixed.resolveSibling(stem + "." + index + extension);
    }
    return directory.resolve(prefix + "_" + day + (index == 0 ? "" : "." + index) + ".jsonl");
  }

  /**
   * The index a writer opening {@code day}'s file continues at: without a size limit, 0 (such a
   * writer makes no numbered files); with one, the highest in use, or the next one if that file
   * is already full.
   */
  int openingIndex(String day, long maxFileBytes) throws IOException {
    if (maxFileBytes <= 0) {
      return 0;
    }
    int index = lastIndex(day);
    Path last = file(day, index);
    if (Files.exists(last) && Files.size(last) >= maxFileBytes) {
      index++;
    }
    return index;
  }

  /**
   * Lists the {@code .jsonl} files of a directory in the order they were written: by prefix, day
   * and roll-over number, other names after them by name, each followed by its roll-overs by number
   * ({@code state.jsonl}, {@code state.1.jsonl}, {@code state.2.jsonl}, ...). Symbolic links in the
   * directory are skipped (a {@code latest.jsonl} pointing at one of its files would read that file
   * twice; the library's writers make none). A regular file, or a link to one, is returned alone.
   *
   * @param fileOrDirectory a JSON Lines file or a directory of them
   * @return the files, oldest first
   * @throws java.nio.file.NoSuchFileException if the path does not exist
   * @throws java.nio.file.FileSystemException if it is neither a regular file nor a directory (a
   *     named pipe would block the first read until something writes to it)
   * @throws IOException if the directory cannot be listed
   */
  public static List<Path> inWriteOrder(Path fileOrDirectory) throws IOException {
    if (!Files.isDirectory(fileOrDirectory)) {
      if (!Files.exists(fileOrDirectory)) {
        throw new java.nio.file.NoSuchFileException(fileOrDirectory.toString());
      }
      if (!Files.isRegularFile(fileOrDirectory)) {
        throw new java.nio.file.FileSystemException(fileOrDirectory.toString(), null,
            "neither a regular file nor a directory");
      }
      return List.of(fileOrDirectory);
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> listing = Files.list(fileOrDirectory)) {
      listing.filter(p -> p.getFileName().toString().endsWith(".jsonl")
              && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .forEach(files::add);
    }
    files.sort(Comparator.comparing(LogFiles::orderKey));
    return files;
  }

  private static String orderKey(Path file) {
    String name = file.getFileName().toString();
    Matcher m = DAILY.matcher(name);
    if (m.matches() && (m.group(3) == null || m.group(3).length() <= 18)) {
      return m.group(1) + "_" + m.group(2) + index(m.group(3));
    }
    // After the daily files: by name, a fixed file's roll-overs (state.1.jsonl, ...) right after
    // it (state.jsonl). A NUL ends the stem, so that no other name sorts between them.
    Matcher rolled = ROLLED.matcher(name);
    if (rolled.matches()) {
      return "~" + rolled.group(1) + "\u0000" + index(rolled.group(2));
    }
    return "~" + name.substring(0, name.length() - ".jsonl".length()) + "\u0000" + index(null);
  }

  private static String index(String digits) {
    long index = digits == null ? 0 : Long.parseLong(digits);
    return String.format(java.util.Locale.ROOT, "%019d", index);
  }

  /**
   * Fails if a fixed file's roll-over names would be ambiguous: with no extension, an empty one
   * or a number for one, the number would go last or the name is a rotated file's
   * ({@code state.1}, logrotate's names); with a number before the extension
   * ({@code shard.2.jsonl}), the name itself reads as another file's roll-over.
   *
   * @throws IllegalStateException naming the file and the option
   */
  void checkRollOverNames() {
    if (fixed == null) {
      return;
    }
    if (extension.length() <= 1 || extension.chars().skip(1).allMatch(Character::isDigit)) {
      // No extension, an empty one (state.), or a number (state.1, app.log.1: itself a rotated
      // file's name): the roll-overs would be named like logrotate's.
      throw new IllegalStateException("maxFileBytes: the file " + fixed + " has no extension to"
          + " number its roll-overs before (" + fixed.getFileName() + ".1 is a name logrotate"
          + " gives); name it like state.jsonl");
    }
    if (stem.matches(".*\\.\\d+")) {
      throw new IllegalStateException("maxFileBytes: the name of " + fixed + " ends in a number"
          + " before its extension, so it reads as another file's roll-over; name it without");
    }
  }

  /** The highest index in use for a day, 0 if none. */
  private int lastIndex(String day) throws IOException {
    if (!Files.isDirectory(directory)) {
      return 0;
    }
    Pattern pattern = fixed != null
        ? Pattern.compile(Pattern.quote(stem) + "(?:\\.(\\d+))?" + Pattern.quote(extension))
        : Pattern.compile(Pattern.quote(prefix + "_" + day) + "(?:\\.(\\d+))?\\.jsonl");
    int last = 0;
    try (Stream<Path> files = Files.list(directory)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Matcher m = pattern.matcher(p.getFileName().toString());
        // An index this writer could not have made (beyond int) belongs to another file.
        if (m.matches() && m.group(1) != null && m.group(1).length() <= 9) {
          last = Math.max(last, Integer.parseInt(m.group(1)));
        }
      }
    }
    return last;
  }

  /**
   * Cuts a last line that has no newline (left by a crash mid-write) off the end of {@code file}
   * and appends it to {@code <file>.corrupt}. Returns how many bytes were moved.
   *
   * @throws FileSystemException if {@code <file>.corrupt} is not a regular file of one name: the
   *     file is left as it is
   */
  static long repairTornTail(Path file) throws IOException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS)) {
      long size = channel.size();
      if (size == 0 || lastByte(channel, size) == '\n') {
        return 0;
      }
      long cut = afterLastNewline(channel, size);
      ByteBuffer torn = ByteBuffer.allocate((int) Math.min(size - cut, Integer.MAX_VALUE - 8));
      channel.read(torn, cut);
      torn.flip();
      Path corrupt = file.resolveSibling(file.getFileName() + ".corrupt");
      try (FileChannel out = DurableFiles.openToAppend(corrupt)) {
        while (torn.hasRemaining()) {
          out.write(torn);
        }
        out.write(ByteBuffer.wrap(new byte[] {'\n'}));
        out.force(true);
      }
      channel.truncate(cut);
      channel.force(true);
      return size - cut;
    }
  }

  private static byte lastByte(FileChannel channel, long size) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    channel.read(one, size - 1);
    return one.get(0);
  }

  private static long afterLastNewline(FileChannel channel, long size) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(8192);
    long end = size;
    while (end > 0) {
      long start = Math.max(0, end - chunk.capacity());
      chunk.clear().limit((int) (end - start));
      channel.read(chunk, start);
      for (int i = (int) (end - start) - 1; i >= 0; i--) {
        if (chunk.get(i) == '\n') {
          return start + i + 1;
        }
      }
      end = start;
    }
    return 0;
  }
}
