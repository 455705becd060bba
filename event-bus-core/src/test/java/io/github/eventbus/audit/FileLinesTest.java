package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileLinesTest {

  @TempDir Path dir;

  private static List<String> readAll(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    try (FileLines in = new FileLines(file, Files.size(file))) {
      for (byte[] line; (line = in.readLine()) != null; ) {
        lines.add(new String(line, StandardCharsets.UTF_8));
      }
    }
    return lines;
  }

  /** Lines of random lengths, some far longer than a block, split at every kind of place. */
  @ParameterizedTest
  @ValueSource(longs = {1, 7, 42, 2026, 65537})
  void readLine_acrossBlocks_givesTheLinesAsWritten(long seed) throws Exception {
    Random random = new Random(seed);
    List<String> expected = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    while (text.length() < 400_000) {
      int length = random.nextInt(10) == 0 ? random.nextInt(150_000) : random.nextInt(300);
      String line = "x".repeat(length) + "é\ry"; // a bare CR is no line break
      expected.add(line);
      text.append(line).append(random.nextBoolean() ? "\r\n" : "\n");
    }
    Path file = dir.resolve("lines.jsonl");
    Files.writeString(file, text, StandardCharsets.UTF_8);

    assertThat(readAll(file)).isEqualTo(expected);
  }

  @Test
  void readLine_trimsOnlyTheCrBeforeTheLineBreak_andGivesATailWithoutOne() throws Exception {
    Path file = dir.resolve("crlf.jsonl");
    Files.writeString(file, "a\r\nb\rc\n\r\ntail", StandardCharsets.UTF_8);

    assertThat(readAll(file)).containsExactly("a", "b\rc", "", "tail");
  }

  @Test
  void readLine_stopsAtTheSizeSeenAtOpen() throws Exception {
    Path file = dir.resolve("grows.jsonl");
    Files.writeString(file, "one\ntwo\n", StandardCharsets.UTF_8);
    try (FileLines in = new FileLines(file, Files.size(file))) {
      Files.writeString(file, "three\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      assertThat(new String(in.readLine(), StandardCharsets.UTF_8)).isEqualTo("one");
      assertThat(new String(in.readLine(), StandardCharsets.UTF_8)).isEqualTo("two");
      assertThat(in.readLine()).isNull();
    }
  }

  @Test
  void readLine_fileTruncatedUnderTheReader_throwsChanged() throws Exception {
    Path file = dir.resolve("shrinks.jsonl");
    Files.writeString(file, ("z".repeat(99) + "\n").repeat(2000), StandardCharsets.UTF_8);
    try (FileLines in = new FileLines(file, Files.size(file))) {
      in.readLine();
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(1000);
      }
      assertThatThrownBy(() -> {
        while (in.readLine() != null) {
          // the lines of the first block are still whole
        }
      }).isInstanceOf(FileLines.Changed.class).hasMessageContaining("shorter");
    }
  }

  @Test
  void readLine_lineAcrossBlocks_rewrittenInPlace_throwsChanged_neverJoins() throws Exception {
    Path file = dir.resolve("rewritten.jsonl");
    String before = "a".repeat(65_000) + "\n" + "b".repeat(2_000) + "\n";
    Files.writeString(file, before, StandardCharsets.UTF_8);
    try (FileLines in = new FileLines(file, Files.size(file))) {
      assertThat(in.readLine()).hasSize(65_000);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(0);
      }
      Files.writeString(file, "c".repeat(before.length() - 1) + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);

      assertThatThrownBy(in::readLine).isInstanceOf(FileLines.Changed.class)
          .hasMessageContaining("rewritten in place");
    }
  }
}
