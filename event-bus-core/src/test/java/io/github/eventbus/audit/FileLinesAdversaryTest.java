package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DailyFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FileLines} and {@link AuditReader} against hostile files (lines at and around the 64 KiB
 * block boundary, CR/LF and UTF-8 split across it, lines of megabytes) and an unlucky environment
 * (the file appended to, truncated and rewritten in place, deleted while a stream is open, a
 * corrupt-line handler that throws).
 */
class FileLinesAdversaryTest {

  private static final int BLOCK = 64 * 1024;

  @TempDir Path dir;

  // ---- helpers ----

  private static final String HEAD = "{\"format_version\":1,\"timestamp\":\"2026-11-23T01:00:00Z\","
      + "\"event_id\":\"";
  private static final String MID = "\",\"type\":\"t\",\"source\":\"s\",\"data\":{\"pad\":\"";
  private static final String TAIL = "\"}}";

  /** An entry line with this id, exactly {@code length} bytes long without its line break. */
  static String entry(String id, int length) {
    int pad = length - HEAD.length() - id.length() - MID.length() - TAIL.length();
    if (pad < 0) {
      throw new IllegalArgumentException("too short for " + id + ": " + length);
    }
    return HEAD + id + MID + "p".repeat(pad) + TAIL;
  }

  static int minLength(String id) {
    return HEAD.length() + id.length() + MID.length() + TAIL.length();
  }

  private record Read(List<String> ids, List<CorruptLine> corrupt) {}

  private static Read read(Path path) throws IOException {
    List<CorruptLine> corrupt = new ArrayList<>();
    AuditReader reader = AuditReader.builder().onCorrupt(corrupt::add).build();
    try (Stream<AuditEntry> entries = reader.read(path)) {
      return new Read(entries.map(AuditEntry::eventId).toList(), corrupt);
    }
  }

  private static List<byte[]> fileLines(Path file) throws IOException {
    List<byte[]> lines = new ArrayList<>();
    try (FileLines in = new FileLines(file, Files.size(file))) {
      for (byte[] line; (line = in.readLine()) != null; ) {
        lines.add(line);
      }
    }
    return lines;
  }

  /** An independent reading: split on LF, a CR before it dropped, a last part without LF kept. */
  private static List<byte[]> split(byte[] all) {
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] == '\n') {
        int end = i > start && all[i - 1] == '\r' ? i - 1 : i;
        lines.add(Arrays.copyOfRange(all, start, end));
        start = i + 1;
      }
    }
    if (start < all.length) {
      lines.add(Arrays.copyOfRange(all, start, all.length));
    }
    return lines;
  }

  private static List<String> strings(List<byte[]> lines) {
    return lines.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList();
  }

  private static void truncate(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(0);
    }
  }

  private static void append(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes, StandardOpenOption.APPEND);
  }

  // ---- the block boundary ----

  @Test
  void crLastByteOfABlock_lfFirstOfTheNext_isOneLineWithoutTheCr() throws Exception {
    Path file = dir.resolve("crlf.jsonl");
    String first = entry("a", BLOCK - 1); // its CR is byte 65535, the LF byte 65536
    Files.writeString(file, first + "\r\n" + entry("b", 200) + "\r\n", StandardCharsets.UTF_8);

    assertThat(strings(fileLines(file))).containsExactly(first, entry("b", 200));
    Read r = read(file);
    assertThat(r.ids()).containsExactly("a", "b");
    assertThat(r.corrupt()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {BLOCK - 2, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK - 1, 2 * BLOCK,
      2 * BLOCK + 1, 5_000_000})
  void entriesOfLengthsAroundTheBlock_areReadWhole_withTheRightLineNumbers(int length)
      throws Exception {
    Path file = dir.resolve("long.jsonl");
    // Once from the file's start, once shifted so the line starts inside the first block.
    String text = entry("a", length) + "\n" + entry("b", 300) + "\n" + entry("c", length) + "\n"
        + entry("d", 200);
    Files.writeString(file, text + "\n", StandardCharsets.UTF_8);

    List<CorruptLine> corrupt = new ArrayList<>();
    try (Stream<AuditEntry> entries = AuditReader.builder().onCorrupt(corrupt::add).build()
        .read(file)) {
      assertThat(entries.map(e -> e.eventId() + "@" + e.line()).toList())
          .containsExactly("a@1", "b@2", "c@3", "d@4");
    }
    assertThat(corrupt).isEmpty();
  }

  @Test
  void emptyFile_andAFileOfOnlyLineBreaks_giveNothing_andReportNothing() throws Exception {
    Path empty = dir.resolve("empty.jsonl");
    Files.write(empty, new byte[0]);
    Path breaks = dir.resolve("breaks.jsonl");
    byte[] lf = new byte[3 * BLOCK + 7];
    Arrays.fill(lf, (byte) '\n');
    Files.write(breaks, lf);

    assertThat(read(empty)).isEqualTo(new Read(List.of(), List.of()));
    assertThat(read(breaks)).isEqualTo(new Read(List.of(), List.of()));
    assertThat(fileLines(breaks)).hasSize(lf.length).allSatisfy(l -> assertThat(l).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void lastLineWithoutItsLineBreak_endingExactlyAtABlockBoundary_isSkippedSilently(int blocks)
      throws Exception {
    Path file = dir.resolve("torn.jsonl");
    String first = entry("a", 200);
    String torn = entry("torn", blocks * BLOCK - first.length() - 1); // ends at the boundary
    Files.writeString(file, first + "\n" + torn, StandardCharsets.UTF_8);
    assertThat(Files.size(file)).isEqualTo((long) blocks * BLOCK);

    assertThat(read(file)).isEqualTo(new Read(List.of("a"), List.of()));
    assertThat(strings(fileLines(file))).containsExactly(first, torn);
  }

  @Test
  void utf8SplitAcrossTheBoundary_validIsRead_invalidIsReportedWithItsLineNumber()
      throws Exception {
    // "é" is C3 A9: C3 is the block's last byte, A9 the next block's first.
    String prefix = HEAD + "ok" + MID;
    int padBefore = BLOCK - 1 - prefix.length();
    String valid = prefix + "p".repeat(padBefore) + "é" + TAIL;
    Path good = dir.resolve("good.jsonl");
    Files.writeString(good, valid + "\n" + entry("next", 200) + "\n", StandardCharsets.UTF_8);
    assertThat(Files.readAllBytes(good)[BLOCK - 1]).isEqualTo((byte) 0xC3);

    assertThat(read(good)).isEqualTo(new Read(List.of("ok", "next"), List.of()));

    byte[] bad = Files.readAllBytes(good);
    bad[BLOCK] = '('; // C3 28: not UTF-8
    Path badFile = dir.resolve("bad.jsonl");
    Files.write(badFile, bad);

    Read r = read(badFile);
    assertThat(r.ids()).containsExactly("next");
    assertThat(r.corrupt()).singleElement().satisfies(c -> {
      assertThat(c.line()).isEqualTo(1);
      assertThat(c.file()).isEqualTo(badFile);
      assertThat(c.reason()).contains("UTF-8");
    });
  }

  // ---- against an independent reading ----

  static LongStream seeds() {
    return LongStream.range(0, 150);
  }

  /** Random lines whose ends cluster at and around block boundaries, with CRs, empty lines. */
  @ParameterizedTest
  @MethodSource("seeds")
  void fileLines_matchAnIndependentSplit_forRandomFilesAroundBlockBoundaries(long seed)
      throws Exception {
    Random random = new Random(seed);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int target = BLOCK * (1 + random.nextInt(4)) + random.nextInt(5) - 2;
    while (out.size() < target) {
      int toBoundary = (int) (BLOCK - out.size() % BLOCK);
      int length = switch (random.nextInt(5)) {
        case 0 -> Math.max(0, toBoundary + random.nextInt(5) - 3); // end right at/near a boundary
        case 1 -> random.nextInt(3 * BLOCK);
        case 2 -> 0;
        default -> random.nextInt(400);
      };
      for (int i = 0; i < length; i++) {
        out.write(random.nextInt(20) == 0 ? '\r' : 'a' + random.nextInt(26));
      }
      if (random.nextInt(50) != 0 || out.size() < target) {
        if (random.nextBoolean()) {
          out.write('\r');
        }
        out.write('\n');
      }
    }
    byte[] all = out.toByteArray();
    Path file = dir.resolve("random-" + seed + ".jsonl");
    Files.write(file, all);

    assertThat(strings(fileLines(file))).isEqualTo(strings(split(all)));
  }

  // ---- an unlucky environment ----

  @Test
  void appendedWhileRead_theStreamStopsAtTheSizeItSawAtOpen() throws Exception {
    Path file = dir.resolve("grows.jsonl");
    StringBuilder before = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      before.append(entry("old-" + i, 500)).append('\n');
    }
    Files.writeString(file, before, StandardCharsets.UTF_8);
    List<CorruptLine> corrupt = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    try (Stream<AuditEntry> entries = AuditReader.builder().onCorrupt(corrupt::add).build()
        .read(file)) {
      Iterator<AuditEntry> it = entries.iterator();
      ids.add(it.next().eventId());
      StringBuilder more = new StringBuilder();
      for (int i = 0; i < 300; i++) {
        more.append(entry("new-" + i, 700)).append('\n');
      }
      append(file, more.toString().getBytes(StandardCharsets.UTF_8));
      it.forEachRemaining(e -> ids.add(e.eventId()));
    }
    assertThat(ids).hasSize(300).allMatch(id -> id.startsWith("old-"));
    assertThat(corrupt).isEmpty();
  }

  @Test
  void truncatedToZeroAndRegrownWithTheSameBytes_midRead_isReadWhole_withoutAReport()
      throws Exception {
    Path file = dir.resolve("same.jsonl");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      text.append(entry("e-" + i, 150 + (i * 37) % 900)).append('\n');
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    Files.write(file, bytes);
    List<CorruptLine> corrupt = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    try (Stream<AuditEntry> entries = AuditReader.builder().onCorrupt(corrupt::add).build()
        .read(file)) {
      Iterator<AuditEntry> it = entries.iterator();
      for (int i = 0; i < 50; i++) {
        ids.add(it.next().eventId());
      }
      truncate(file);
      append(file, bytes);
      it.forEachRemaining(e -> ids.add(e.eventId()));
    }
    assertThat(ids).hasSize(1000).doesNotHaveDuplicates();
    assertThat(corrupt).isEmpty();
  }

  /**
   * The rewrite falls where a line ends exactly at a block's end, so no line crosses into the
   * block read from the new content. The reader must still not go on in the new content as if
   * it were the rest of the old file.
   */
  @Test
  void rewrittenInPlace_whereALineEndsExactlyAtTheBlockEnd_isReported_notReadOn()
      throws Exception {
    Path file = dir.resolve("aligned.jsonl");
    // The reader reads one line ahead: it returns a having read b, whose LF is the first block's
    // last byte; c is in the second block.
    String a = entry("old-a", 1000);
    String b = entry("old-b", BLOCK - 1001 - 1);
    String third = entry("old-c", 500);
    Files.writeString(file, a + "\n" + b + "\n" + third + "\n", StandardCharsets.UTF_8);
    long size = Files.size(file);

    List<CorruptLine> corrupt = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    try (Stream<AuditEntry> entries = AuditReader.builder().onCorrupt(corrupt::add).build()
        .read(file)) {
      Iterator<AuditEntry> it = entries.iterator();
      ids.add(it.next().eventId()); // old-a; old-b read too: the reader stands at the boundary
      truncate(file);
      // The writer starts over: new entries, the same size or more.
      StringBuilder fresh = new StringBuilder();
      int i = 0;
      while (fresh.length() < size) {
        fresh.append(entry("new-" + i++, 200)).append('\n');
      }
      append(file, fresh.toString().getBytes(StandardCharsets.UTF_8));
      it.forEachRemaining(e -> ids.add(e.eventId()));
    }

    assertThat(ids).as("no entry of the new content").containsExactly("old-a", "old-b");
    assertThat(corrupt).singleElement().satisfies(c -> {
      assertThat(c.line()).isEqualTo(3);
      assertThat(c.reason()).containsAnyOf("rewritten", "shorter");
    });
  }

  /**
   * Seeded: a file read part way, then truncated and written again with other entries of other
   * lengths, shorter or longer. Whatever is returned is a prefix of the old file's entries, at
   * their line numbers; if not all of them, the rest is reported once, at the next line number.
   */
  @ParameterizedTest
  @MethodSource("seeds")
  void rewrittenInPlaceMidRead_neverAnEntryOfTheNewContent_theRestReportedOnce(long seed)
      throws Exception {
    Random random = new Random(seed * 7919 + 1);
    Path file = dir.resolve("rewritten-" + seed + ".jsonl");
    List<String> old = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int oldTarget = BLOCK + random.nextInt(4 * BLOCK);
    while (text.length() < oldTarget) {
      String id = "old-" + old.size();
      int length = minLength(id) + (random.nextInt(8) == 0 ? random.nextInt(BLOCK)
          : random.nextInt(600));
      text.append(entry(id, length)).append('\n');
      old.add(id);
    }
    Files.writeString(file, text, StandardCharsets.UTF_8);
    // At least one: the stream opens the file lazily, at the first entry asked for.
    int consume = 1 + random.nextInt(old.size());

    List<CorruptLine> corrupt = new ArrayList<>();
    List<String> got = new ArrayList<>();
    try (Stream<AuditEntry> entries = AuditReader.builder().onCorrupt(corrupt::add).build()
        .read(file)) {
      Iterator<AuditEntry> it = entries.iterator();
      for (int i = 0; i < consume && it.hasNext(); i++) {
        AuditEntry e = it.next();
        got.add(e.eventId() + "@" + e.line());
      }
      truncate(file);
      StringBuilder fresh = new StringBuilder();
      int newTarget = random.nextInt(2 * oldTarget);
      for (int j = 0; fresh.length() < newTarget; j++) {
        String id = "new-" + j;
        fresh.append(entry(id, minLength(id) + random.nextInt(900))).append('\n');
      }
      append(file, fresh.toString().getBytes(StandardCharsets.UTF_8));
      it.forEachRemaining(e -> got.add(e.eventId() + "@" + e.line()));
    }

    List<String> expectedPrefix = new ArrayList<>();
    for (int i = 0; i < got.size() && i < old.size(); i++) {
      expectedPrefix.add(old.get(i) + "@" + (i + 1));
    }
    assertThat(got).as("seed %d: a prefix of the old entries", seed).isEqualTo(expectedPrefix);
    if (got.size() == old.size()) {
      assertThat(corrupt).as("seed %d", seed).isEmpty();
    } else {
      assertThat(corrupt).as("seed %d: the rest reported once", seed).singleElement()
          .satisfies(c -> {
            assertThat(c.file()).isEqualTo(file);
            assertThat(c.line()).isEqualTo(got.size() + 1);
            assertThat(c.reason()).containsAnyOf("rewritten", "shorter");
          });
    }
  }

  @Test
  void deletedWhileAStreamIsOpen_isStillReadWhole() throws Exception {
    Path file = dir.resolve("deleted.jsonl");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      text.append(entry("e-" + i, 400 + i)).append('\n');
    }
    Files.writeString(file, text, StandardCharsets.UTF_8);
    List<CorruptLine> corrupt = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    try (Stream<AuditEntry> entries = AuditReader.builder().onCorrupt(corrupt::add).build()
        .read(file)) {
      Iterator<AuditEntry> it = entries.iterator();
      ids.add(it.next().eventId());
      Files.delete(file);
      it.forEachRemaining(e -> ids.add(e.eventId()));
    }
    assertThat(ids).hasSize(500);
    assertThat(corrupt).isEmpty();
  }

  @Test
  void directoryOfFiles_oneRewrittenMidRead_theOthersAreStillReadWhole() throws Exception {
    Path logs = dir.resolve("logs");
    Files.createDirectories(logs);
    // Three consecutive days' files, named as a writer with this clock names them.
    Clock day = Clock.fixed(Instant.parse("2026-01-01T12:00:00Z"), ZoneOffset.UTC);
    Path[] files = new Path[3];
    for (int f = 0; f < 3; f++) {
      files[f] = logs.resolve(DailyFiles.name("events", Clock.offset(day, Duration.ofDays(f))));
    }
    for (int f = 0; f < 3; f++) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < 400; i++) {
        text.append(entry(f + "-" + i, 300 + (i * 13) % 500)).append('\n');
      }
      Files.writeString(files[f], text, StandardCharsets.UTF_8);
    }
    List<CorruptLine> corrupt = new ArrayList<>();
    List<AuditEntry> got = new ArrayList<>();
    try (Stream<AuditEntry> entries = AuditReader.builder().onCorrupt(corrupt::add).build()
        .read(logs)) {
      Iterator<AuditEntry> it = entries.iterator();
      while (got.isEmpty() || !got.get(got.size() - 1).file().equals(files[1])) {
        got.add(it.next());
      }
      truncate(files[1]);
      append(files[1], ("x".repeat(300) + "\n").repeat(600).getBytes(StandardCharsets.UTF_8));
      it.forEachRemaining(got::add);
    }
    assertThat(got).filteredOn(e -> e.file().equals(files[0])).hasSize(400);
    assertThat(got).filteredOn(e -> e.file().equals(files[2])).hasSize(400);
    List<AuditEntry> second = got.stream().filter(e -> e.file().equals(files[1])).toList();
    assertThat(second).isNotEmpty().allMatch(e -> e.eventId().equals("1-" + (e.line() - 1)));
    assertThat(corrupt).singleElement().satisfies(c -> {
      assertThat(c.file()).isEqualTo(files[1]);
      assertThat(c.line()).isEqualTo(second.size() + 1);
    });
  }

  @Test
  void corruptLineHandlerThrows_onARewrite_itsExceptionReachesTheCaller_andNothingNewIsRead()
      throws Exception {
    Path file = dir.resolve("throwing.jsonl");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 600; i++) {
      text.append(entry("old-" + i, 333)).append('\n');
    }
    Files.writeString(file, text, StandardCharsets.UTF_8);
    AuditReader reader = AuditReader.builder().onCorrupt(c -> {
      throw new IllegalStateException("handler: " + c.line());
    }).build();
    List<String> ids = new ArrayList<>();
    try (Stream<AuditEntry> entries = reader.read(file)) {
      Iterator<AuditEntry> it = entries.iterator();
      ids.add(it.next().eventId());
      truncate(file);
      StringBuilder fresh = new StringBuilder();
      for (int j = 0; fresh.length() < 2 * text.length(); j++) {
        fresh.append(entry("new-" + j, 250)).append('\n');
      }
      append(file, fresh.toString().getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> it.forEachRemaining(e -> ids.add(e.eventId())))
          .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("handler: ");
      // A caller that goes on after the handler threw must still never get the new content.
      List<String> after = new ArrayList<>();
      for (int tries = 0; tries < 5; tries++) {
        try {
          it.forEachRemaining(e -> after.add(e.eventId()));
          break;
        } catch (IllegalStateException again) {
          // the handler again: fine
        }
      }
      assertThat(after).noneMatch(id -> id.startsWith("new-"));
    }
    assertThat(ids).allMatch(id -> id.startsWith("old-"));
  }

  @Test
  void aSingleLineOf32MiB_isReadInLinearWork_notOneReReadOfTheLinePerBlock() throws Exception {
    // 512 blocks: a check that reads back the whole line so far at every block reads ~8 GiB
    // and copies as much again; a linear one reads 32 MiB twice.
    Path file = dir.resolve("huge.jsonl");
    int length = 32 << 20;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      byte[] chunk = new byte[1 << 20];
      Arrays.fill(chunk, (byte) 'z');
      for (int i = 0; i < 32; i++) {
        ch.write(java.nio.ByteBuffer.wrap(chunk));
      }
      ch.write(java.nio.ByteBuffer.wrap(("\n" + entry("after", 200) + "\n")
          .getBytes(StandardCharsets.UTF_8)));
    }
    List<Integer> lengths = new ArrayList<>();
    long read;
    try (FileLines in = new FileLines(file, Files.size(file))) {
      for (byte[] line; (line = in.readLine()) != null; ) {
        lengths.add(line.length);
      }
      read = in.bytesRead();
    }
    assertThat(lengths).containsExactly(length, 200);
    assertThat(read).as("bytes read, checks included: each byte at most twice")
        .isLessThanOrEqualTo(2 * Files.size(file) + (1 << 20));
  }
}
