package io.github.eventbus.jsonl.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.eventbus.DailyFiles;
import io.github.eventbus.TestThreads;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.jsonl.JsonLinesWriterBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second live writer of one file in this process is refused at {@code build()}, whatever path
 * reaches the file, until the first writer's thread has ended.
 */
class OneWriterPerFileTest {

  private static final JsonLinesWriter.Encoder<String> STRINGS = (s, g) -> g.writeString(s);

  @TempDir Path dir;

  private static JsonLinesWriterBuilder<String> toFile(Path file) {
    return JsonLinesWriter.toFile(file, STRINGS);
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }

  @Test
  void build_ofAFileAnotherWriterHas_throws_andTheFirstWritesOn() throws Exception {
    Path file = dir.resolve("out.jsonl");
    List<String> before = TestThreads.alive("jsonl-writer-out.jsonl");
    try (JsonLinesWriter<String> first = toFile(file).build()) {
      assertThatThrownBy(() -> toFile(file).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("one writer per file");
      assertThat(TestThreads.alive("jsonl-writer-out.jsonl")).as("no thread for the refused")
          .hasSize(before.size() + 1);
      first.append("one");
      first.flush().get(20, TimeUnit.SECONDS);
    }
    try (JsonLinesWriter<String> next = toFile(file).build()) {
      next.append("two");
      next.flush().get(20, TimeUnit.SECONDS);
    }
    assertThat(lines(file)).containsExactly("\"one\"", "\"two\"");
  }

  @Test
  void build_throughALinkOrDotDot_isTheSameFile() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Path link = dir.resolve("link");
    try {
      Files.createSymbolicLink(link, real);
    } catch (UnsupportedOperationException | IOException noLinks) {
      assumeTrue(false, "no symbolic links here: " + noLinks);
    }
    try (JsonLinesWriter<String> first = toFile(real.resolve("out.jsonl")).build()) {
      for (Path other : List.of(link.resolve("out.jsonl"),
          real.resolve("sub/../out.jsonl"), link.resolve("not-yet/../out.jsonl"))) {
        assertThatThrownBy(() -> toFile(other).build()).as(other.toString())
            .isInstanceOf(IllegalStateException.class);
      }
      Path relative = Path.of("").toAbsolutePath().relativize(real.resolve("out.jsonl"));
      assertThatThrownBy(() -> toFile(relative).build()).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void dailyFiles_areOneFileByDirectoryAndPrefix() {
    Path logs = dir.resolve("logs");
    try (JsonLinesWriter<String> events = JsonLinesWriter.daily(logs, "events", STRINGS).build();
        JsonLinesWriter<String> other = JsonLinesWriter.daily(logs, "other", STRINGS).build();
        JsonLinesWriter<String> elsewhere =
            JsonLinesWriter.daily(dir.resolve("more"), "events", STRINGS).build();
        JsonLinesWriter<String> fixed = toFile(logs.resolve("events.jsonl")).build()) {
      assertThatThrownBy(() -> JsonLinesWriter.daily(logs, "events", STRINGS).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("events_YYYYMMDD.jsonl");
    }
  }

  @Test
  void closeThatGivesUpOnAStuckWriter_keepsTheFile_untilItsThreadEnds() throws Exception {
    Path file = dir.resolve("stuck.jsonl");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Set<Thread> before = threads("jsonl-writer-stuck.jsonl");
    JsonLinesWriter<String> stuck = JsonLinesWriter.<String>toFile(file, (s, g) -> {
      entered.countDown();
      TestThreads.awaitIgnoringInterrupts(release);
      g.writeString(s);
    }).closeTimeout(Duration.ofMillis(50)).errorHandler((f, p, c) -> { }).build();
    Set<Thread> made = threads("jsonl-writer-stuck.jsonl");
    made.removeAll(before);
    Thread writer = made.iterator().next(); // this writer's, not one another test left
    try {
      stuck.append("late");
      assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
      stuck.close(); // gives up: the thread may still write the line it holds
      assertThatThrownBy(() -> toFile(file).build()).isInstanceOf(IllegalStateException.class);
    } finally {
      release.countDown();
    }
    writer.join(TimeUnit.SECONDS.toMillis(20));
    assertThat(writer.isAlive()).isFalse();
    try (JsonLinesWriter<String> next = toFile(file).build()) {
      next.append("after");
      next.flush().get(20, TimeUnit.SECONDS);
    }
    // "late" is written or reported unwritten, as close's give-up allows; nothing interleaves
    assertThat(lines(file)).last().isEqualTo("\"after\"");
    assertThat(lines(file)).allMatch(l -> l.equals("\"late\"") || l.equals("\"after\""));
  }

  private static Set<Thread> threads(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals(name))
        .collect(Collectors.toCollection(HashSet::new));
  }

  @Test
  void concurrentBuilds_ofOneFile_exactlyOneSucceeds_everyTime() throws Exception {
    int threads = 4;
    for (int round = 0; round < 100; round++) {
      Path file = dir.resolve("race-" + round + ".jsonl");
      CyclicBarrier start = new CyclicBarrier(threads);
      AtomicInteger refused = new AtomicInteger();
      List<JsonLinesWriter<String>> built = java.util.Collections.synchronizedList(
          new ArrayList<>());
      List<Thread> racers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Thread t = new Thread(() -> {
          TestThreads.awaitBarrier(start);
          try {
            built.add(toFile(file).build());
          } catch (IllegalStateException e) {
            refused.incrementAndGet();
          }
        }, "builder-" + i);
        racers.add(t);
        t.start();
      }
      try {
        for (Thread t : racers) {
          t.join(TimeUnit.SECONDS.toMillis(20));
          assertThat(t.isAlive()).isFalse();
        }
        assertThat(built).as("round " + round).hasSize(1);
        assertThat(refused.get()).isEqualTo(threads - 1);
      } finally {
        built.forEach(JsonLinesWriter::close);
      }
    }
  }

  @Test
  void build_throughAHardLink_isTheSameFile() throws Exception {
    Path file = Files.writeString(dir.resolve("a.jsonl"), "");
    Path link;
    try {
      link = Files.createLink(dir.resolve("b.jsonl"), file);
    } catch (UnsupportedOperationException | IOException noLinks) {
      assumeTrue(false, "no hard links here: " + noLinks);
      return;
    }
    try (JsonLinesWriter<String> first = toFile(file).build()) {
      assertThatThrownBy(() -> toFile(link).build()).isInstanceOf(IllegalStateException.class);
    }
    try (JsonLinesWriter<String> first = toFile(link).build()) {
      assertThatThrownBy(() -> toFile(file).build()).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void fixedFileNamedLikeADailyFile_andTheDailyWriter_refuseEachOther() {
    Path logs = dir.resolve("logs");
    Clock clock = Clock.fixed(Instant.parse("2031-02-03T04:05:06Z"), ZoneOffset.UTC);
    // the writer's day, and a roll-over of a day far from it: every day's names are its
    String today = DailyFiles.name("events", clock);
    String rolledLater = DailyFiles.name("events", Clock.offset(clock, Duration.ofDays(400)))
        .replace(".jsonl", ".2.jsonl");
    for (String name : List.of(today, rolledLater)) {
      try (JsonLinesWriter<String> daily =
          JsonLinesWriter.daily(logs, "events", STRINGS).clock(clock).build()) {
        assertThatThrownBy(() -> toFile(logs.resolve(name)).build()).as(name)
            .isInstanceOf(IllegalStateException.class);
      }
      try (JsonLinesWriter<String> fixed = toFile(logs.resolve(name)).build();
          JsonLinesWriter<String> other =
              toFile(logs.resolve(DailyFiles.name("other", clock))).build()) {
        assertThatThrownBy(() -> JsonLinesWriter.daily(logs, "events", STRINGS).clock(clock)
            .build()).as(name).isInstanceOf(IllegalStateException.class);
      }
    }
  }

  @Test
  void rollOversOfAFixedFile_areItsFiles_butNumberedFilesAloneAreNot() {
    Path state = dir.resolve("state.jsonl");
    Path rolled = dir.resolve("state.1.jsonl");
    try (JsonLinesWriter<String> first = toFile(state).maxFileBytes(1 << 20).build()) {
      assertThatThrownBy(() -> toFile(rolled).build()).isInstanceOf(IllegalStateException.class);
    }
    try (JsonLinesWriter<String> first = toFile(rolled).build()) {
      assertThatThrownBy(() -> toFile(state).maxFileBytes(1 << 20).build())
          .isInstanceOf(IllegalStateException.class);
    }
    // without maxFileBytes nothing rolls over into another's name: all three may run at once
    try (JsonLinesWriter<String> plain = toFile(state).build();
        JsonLinesWriter<String> one = toFile(rolled).build();
        JsonLinesWriter<String> two = toFile(dir.resolve("state.2.jsonl")).build()) {
      assertThat(List.of(plain, one, two)).hasSize(3);
    }
  }

  /** An identity is the claimed path's only while that path still holds the file. */
  @Test
  void aFileMovedAwayFromAWritersPath_isAnotherFile() throws Exception {
    Path file = Files.writeString(dir.resolve("a.jsonl"), "");
    try (JsonLinesWriter<String> first = toFile(file).build()) {
      Path moved = Files.move(file, dir.resolve("moved.jsonl"));
      try (JsonLinesWriter<String> other = toFile(moved).build()) {
        other.append("elsewhere");
        other.flush().get(20, TimeUnit.SECONDS);
      }
      assertThatThrownBy(() -> toFile(file).build()).isInstanceOf(IllegalStateException.class);
    }
  }
}
