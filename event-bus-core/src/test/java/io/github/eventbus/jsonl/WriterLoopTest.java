package io.github.eventbus.jsonl;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.TestThreads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile cases for JsonLinesWriter + WriterLoop: close() idempotence and timeouts, and the
 * stats under concurrent append and close. Every accepted record must end written, unencodable or
 * unwritten, and every acknowledgement must complete.
 */
class WriterLoopTest {

  @TempDir Path dir;

  private static WriterStats settle(JsonLinesWriter<?> w) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    WriterStats s = w.stats();
    while (s.pending() != 0 && System.nanoTime() - deadline < 0) {
      Thread.onSpinWait();
      s = w.stats();
    }
    return s;
  }

  @Test
  void concurrentAppendAndClose_statsAddUp() throws Exception {
    for (int round = 0; round < 30; round++) {
      JsonLinesWriter<Object> w = JsonLinesWriter.toFile(dir.resolve("r" + round + ".jsonl"),
          JsonLinesWriter.jackson()).bufferCapacity(16).build();
      AtomicInteger accepted = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> appenders = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Thread a = new Thread(() -> {
          try {
            go.await();
            for (int i = 0; i < 100_000; i++) {
              if (w.append(i)) {
                accepted.incrementAndGet();
              }
            }
          } catch (IllegalStateException closed) {
            // expected once close() ran
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "t-appender-" + t);
        appenders.add(a);
        a.start();
      }
      Thread closer1 = new Thread(w::close, "t-closer-1");
      Thread closer2 = new Thread(w::close, "t-closer-2");
      go.countDown();
      closer1.start();
      closer2.start();
      closer1.join(20_000);
      closer2.join(20_000);
      for (Thread a : appenders) {
        a.join(20_000);
      }
      w.close(); // idempotent
      WriterStats s = settle(w);
      assertThat(s.appended()).as("round %d %s", round, s).isEqualTo(accepted.get());
      assertThat(s.written() + s.unencodable() + s.unwritten())
          .as("round %d %s", round, s).isEqualTo(s.appended());
      assertThat(s.pending()).as("round %d %s", round, s).isZero();
    }
  }

  /**
   * The writer is stuck in a slow encoder past the close timeout, the buffer is full and an
   * appender that passed the "closed?" check waits for room. When the writer finally gives up, its
   * final drain makes room, and the waiting record lands in a queue nobody reads again.
   */
  @Test
  void appenderWaitingForRoomWhenWriterGivesUp_recordAccountedAndAckCompleted()
      throws Exception {
    CountDownLatch inEncoder = new CountDownLatch(1);
    CountDownLatch releaseEncoder = new CountDownLatch(1);
    JsonLinesWriter.Encoder<String> slow = (record, generator) -> {
      if (record.equals("block")) {
        inEncoder.countDown();
        TestThreads.awaitIgnoringInterrupts(releaseEncoder); // a stuck encoder
      }
      generator.writeString(record);
    };
    JsonLinesWriter<String> w = JsonLinesWriter.toFile(dir.resolve("stuck.jsonl"), slow)
        .bufferCapacity(1).closeTimeout(Duration.ofMillis(100)).build();
    w.append("block");
    assertThat(inEncoder.await(10, TimeUnit.SECONDS)).isTrue();
    w.append("a"); // fills the buffer
    AtomicReference<CompletableFuture<Void>> ackB = new AtomicReference<>();
    AtomicReference<IllegalStateException> refused = new AtomicReference<>();
    Thread appender = new Thread(() -> {
      try {
        ackB.set(w.appendAcknowledged("b"));
      } catch (IllegalStateException e) {
        refused.set(e); // not appended: the writer gave up while it waited
      }
    }, "t-waiting");
    appender.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (appender.getState() != Thread.State.WAITING
        && appender.getState() != Thread.State.TIMED_WAITING) { // parked in the full buffer
      assertThat(System.nanoTime() - deadline).isNegative();
      Thread.onSpinWait();
    }
    w.close(); // gives up after 100 ms; the writer thread is still in the encoder
    releaseAndAwaitWriterThread(releaseEncoder, "stuck.jsonl");
    appender.join(10_000);
    assertThat(appender.isAlive()).isFalse();
    CompletableFuture<Void> ack = ackB.get();
    assertThat(ack == null ? refused.get() : ack).as("appended, or refused to its caller")
        .isNotNull();
    String outcome = "refused";
    if (ack != null) {
      try {
        ack.get(5, TimeUnit.SECONDS);
        outcome = "written";
      } catch (ExecutionException e) {
        outcome = "failed: " + e.getCause().getMessage();
      } catch (TimeoutException e) {
        outcome = "never completed";
      }
    }
    WriterStats s = settle(w);
    assertThat(outcome).as("ack of b; stats %s", s).isNotEqualTo("never completed");
    assertThat(s.pending()).as("%s", s).isZero();
    assertThat(s.written() + s.unencodable() + s.unwritten()).as("%s", s)
        .isEqualTo(s.appended());
  }

  /** Starts threads that each append one record (some acknowledged, some flush barriers). */
  private static List<Thread> blockedAppenders(JsonLinesWriter<Object> w, int count,
      List<CompletableFuture<Void>> futures, AtomicInteger returned) {
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < count; t++) {
      int kind = t % 3;
      Thread a = new Thread(() -> {
        try {
          if (kind == 0) {
            w.append("plain");
          } else if (kind == 1) {
            futures.add(w.appendAcknowledged("acked"));
          } else {
            futures.add(w.flush());
          }
        } catch (IllegalStateException closed) {
          // refused: the writer is closed
        } finally {
          returned.incrementAndGet();
        }
      }, "t-blocked-appender-" + t);
      a.start();
      threads.add(a);
    }
    return threads;
  }

  private static void awaitBlocked(List<Thread> threads) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Thread t : threads) {
      while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING
          && t.isAlive() && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait();
      }
    }
  }

  /**
   * The encoder blocks past closeTimeout and the grace: close() returns, and the appenders that
   * wait for room in the full buffer, for a writer that never takes again, are released.
   */
  @Test
  void close_encoderBlocksPastCloseTimeout_blockedAppendersStillReturn() throws Exception {
    CountDownLatch inEncoder = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Thread> appenders = List.of();
    try {
      JsonLinesWriter<Object> w =
          stuckWithFullBuffer("blocked.jsonl", Duration.ofMillis(50), inEncoder, release);
      List<CompletableFuture<Void>> futures = new java.util.concurrent.CopyOnWriteArrayList<>();
      AtomicInteger returned = new AtomicInteger();
      appenders = blockedAppenders(w, 6, futures, returned);
      awaitBlocked(appenders);
      w.close();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      for (Thread a : appenders) {
        a.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      assertThat(returned.get()).as("appenders returned while the encoder is stuck")
          .isEqualTo(6);
    } finally {
      releaseAndAwaitWriterThread(release, "blocked.jsonl");
      for (Thread a : appenders) {
        a.join(10_000);
      }
    }
  }

  /**
   * The writer gives up while appenders wait for room; the encoder is freed only after close()
   * returned, so they put their records after the writer's last drain: every future completes
   * and the stats add up.
   */
  @Test
  void close_givesUpWithBlockedAppenders_everyFutureCompletesAndStatsAddUp() throws Exception {
    for (int round = 0; round < 8; round++) {
      CountDownLatch inEncoder = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      JsonLinesWriter<Object> w = stuckWithFullBuffer("gave-up-" + round + ".jsonl",
          Duration.ofMillis(20), inEncoder, release);
      List<CompletableFuture<Void>> futures = new java.util.concurrent.CopyOnWriteArrayList<>();
      AtomicInteger returned = new AtomicInteger();
      List<Thread> appenders = blockedAppenders(w, 9, futures, returned);
      awaitBlocked(appenders);
      Thread closer = new Thread(w::close, "t-closer-" + round);
      closer.start();
      closer.join(20); // let close() reach giveUp before the encoder is freed in some rounds
      releaseAndAwaitWriterThread(release, "gave-up-" + round + ".jsonl");
      closer.join(10_000);
      assertThat(closer.isAlive()).isFalse();
      for (Thread a : appenders) {
        a.join(10_000);
      }
      assertThat(returned.get()).as("round %d", round).isEqualTo(9);
      for (CompletableFuture<Void> f : futures) {
        assertThat(f).as("round %d", round).isDone(); // written, or failed as unwritten
      }
      WriterStats s = settle(w);
      assertThat(s.pending()).as("round %d: %s", round, s).isZero();
      assertThat(s.written() + s.unwritten() + s.unencodable()).as("round %d: %s", round, s)
          .isEqualTo(s.appended());
    }
  }

  /**
   * With offerTimeout set, append() gives up on a full buffer, but flush() puts its barrier with
   * no bound: with the writer stuck in the encoder it never returns, not even after close().
   */
  @Test
  void flush_offerTimeoutSetAndWriterStuck_returnsAfterClose() throws Exception {
    CountDownLatch inEncoder = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    JsonLinesWriter<Object> w = JsonLinesWriter.<Object>toFile(dir.resolve("flush.jsonl"),
        blockingEncoder(inEncoder, release)).bufferCapacity(1).offerTimeout(Duration.ofMillis(50))
        .closeTimeout(Duration.ofMillis(50)).build();
    Thread flusher = null;
    try {
      w.append("first");
      assertThat(inEncoder.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(w.append("fills")).isTrue();
      assertThat(w.append("dropped")).as("append honours offerTimeout").isFalse();
      AtomicReference<CompletableFuture<Void>> flushed = new AtomicReference<>();
      CountDownLatch flushReturned = new CountDownLatch(1);
      flusher = new Thread(() -> {
        try {
          flushed.set(w.flush());
        } catch (IllegalStateException closed) {
          // refused
        }
        flushReturned.countDown();
      }, "t-flusher");
      flusher.start();
      awaitBlocked(List.of(flusher));
      w.close();
      assertThat(flushReturned.await(5, TimeUnit.SECONDS))
          .as("flush() returned after close() while the encoder is stuck").isTrue();
    } finally {
      releaseAndAwaitWriterThread(release, "flush.jsonl");
      if (flusher != null) {
        flusher.join(10_000);
      }
    }
  }

  /** An encoder that signals {@code inEncoder}, then blocks until {@code release}. */
  private static JsonLinesWriter.Encoder<Object> blockingEncoder(CountDownLatch inEncoder,
      CountDownLatch release) {
    return (record, generator) -> {
      inEncoder.countDown();
      TestThreads.awaitQuietly(release);
      generator.writeString(String.valueOf(record));
    };
  }

  /**
   * A writer of capacity 2 whose thread is stuck in the encoder on its first record, with two
   * more records filling its buffer.
   */
  private JsonLinesWriter<Object> stuckWithFullBuffer(String file, Duration closeTimeout,
      CountDownLatch inEncoder, CountDownLatch release) throws InterruptedException {
    JsonLinesWriter<Object> w = JsonLinesWriter.<Object>toFile(dir.resolve(file),
        blockingEncoder(inEncoder, release)).bufferCapacity(2).closeTimeout(closeTimeout).build();
    w.append("first");
    assertThat(inEncoder.await(10, TimeUnit.SECONDS)).isTrue();
    w.append("fills-1");
    w.append("fills-2");
    return w;
  }

  /**
   * Frees the stuck encoder and waits until the writer thread of {@code file} has ended, so that
   * it writes nothing into the temporary directory while JUnit deletes it.
   */
  private static void releaseAndAwaitWriterThread(CountDownLatch release, String file) {
    release.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!TestThreads.alive("jsonl-writer-" + file).isEmpty()
        && System.nanoTime() - deadline < 0) {
      Thread.onSpinWait();
    }
    assertThat(TestThreads.alive("jsonl-writer-" + file)).as("the freed writer thread ended")
        .isEmpty();
  }
}
