package io.github.eventbus.jsonl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A caller whose interrupt flag is set (a cancelled task, a worker the bus interrupted at its
 * drain deadline): appending with room to spare and closing behave as for any other caller, and
 * the flag is kept.
 */
class JsonLinesWriterInterruptTest {

  @TempDir Path dir;

  @AfterEach
  void clearFlag() {
    Thread.interrupted();
  }

  @Test
  void append_onAnInterruptedThread_withRoom_isTaken_written_andTheFlagKept() throws Exception {
    try (JsonLinesWriter<Object> w =
        JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson()).build()) {
      Thread.currentThread().interrupt();
      boolean taken = w.append(Map.of("n", 1));
      boolean stillInterrupted = Thread.interrupted();
      w.flush().get(10, TimeUnit.SECONDS);

      assertThat(taken).isTrue();
      assertThat(stillInterrupted).isTrue();
      assertThat(Files.readAllLines(w.currentFile(), StandardCharsets.UTF_8))
          .containsExactly("{\"n\":1}");
      assertThat(w.stats().appended()).isEqualTo(1);
      assertThat(w.stats().dropped()).isZero();
    }
  }

  @Test
  void close_onAnInterruptedThread_stillWaitsForAFailingWriteToSucceed_andKeepsTheFlag()
      throws Exception {
    Path logs = dir.resolve("logs");
    CountDownLatch failedOnce = new CountDownLatch(1);
    JsonLinesWriter<Object> w = JsonLinesWriter.daily(logs, "events", JsonLinesWriter.jackson())
        .retryDelay(Duration.ofMillis(300))
        .errorHandler((file, problem, cause) -> {
          try {
            Files.deleteIfExists(logs); // the blocker goes: the retry will succeed
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          failedOnce.countDown();
        })
        .build();
    Files.writeString(logs, "a file where the log's directory should be");
    w.append(Map.of("n", 1));
    assertThat(failedOnce.await(10, TimeUnit.SECONDS)).isTrue();

    Thread.currentThread().interrupt();
    w.close();
    boolean stillInterrupted = Thread.interrupted();

    assertThat(stillInterrupted).isTrue();
    assertThat(w.stats().pending()).isZero();
    assertThat(w.stats().unwritten()).isZero();
    assertThat(w.stats().written()).isEqualTo(1);
    assertThat(Files.readAllLines(w.currentFile(), StandardCharsets.UTF_8))
        .containsExactly("{\"n\":1}");
  }

  @Test
  void append_onAnInterruptedThread_withAZeroOfferTimeoutAndAFullBuffer_dropsAndCounts()
      throws Exception {
    Path logs = dir.resolve("logs");
    CountDownLatch failedOnce = new CountDownLatch(1);
    try (JsonLinesWriter<Object> w = JsonLinesWriter.daily(logs, "events",
            JsonLinesWriter.jackson())
        .bufferCapacity(1).offerTimeout(Duration.ZERO).retryDelay(Duration.ofHours(1))
        .closeTimeout(Duration.ZERO)
        .errorHandler((file, problem, cause) -> failedOnce.countDown()).build()) {
      Files.writeString(logs, "a file where the log's directory should be");
      w.append(Map.of("n", 1)); // taken by the writer, whose write fails: it retries in an hour
      assertThat(failedOnce.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(w.append(Map.of("n", 2))).isTrue(); // fills the buffer of one

      Thread.currentThread().interrupt();
      boolean taken = w.append(Map.of("n", 3));
      boolean stillInterrupted = Thread.interrupted();

      assertThat(taken).isFalse();
      assertThat(stillInterrupted).isTrue();
      assertThat(w.stats().dropped()).isEqualTo(1);
      assertThat(w.stats().appended()).isEqualTo(2);
    }
  }

  /**
   * An encoder that sets the writer thread's interrupt flag (restoring an interrupt it caught,
   * say) must not end the writer: the next file write would fail on an interrupted channel and
   * the thread would stop, leaving every later line unwritten.
   */
  @Test
  void anEncoderThatSetsTheInterruptFlag_doesNotEndTheWriter() throws Exception {
    JsonLinesWriter.Encoder<Integer> interrupting = (n, g) -> {
      g.writeStartObject();
      g.writeNumberField("n", n);
      g.writeEndObject();
      Thread.currentThread().interrupt();
    };
    try (JsonLinesWriter<Integer> w = JsonLinesWriter.daily(dir, "events", interrupting)
        .build()) {
      for (int i = 1; i <= 5; i++) {
        w.appendAcknowledged(i).get(10, TimeUnit.SECONDS);
      }

      assertThat(Files.readAllLines(w.currentFile(), StandardCharsets.UTF_8)).hasSize(5);
      assertThat(w.stats().written()).isEqualTo(5);
    }
  }
}
