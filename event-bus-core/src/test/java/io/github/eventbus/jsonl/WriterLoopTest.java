package io.github.eventbus.jsonl;

import static org.assertj.core.api.Assertions.assertThat;

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
        boolean released = false;
        while (!released) {
          try {
            released = releaseEncoder.await(30, TimeUnit.SECONDS);
            released = true;
          } catch (InterruptedException ignored) {
            // a stuck encoder: keeps going
          }
        }
      }
      generator.writeString(record);
    };
    JsonLinesWriter<String> w = JsonLinesWriter.toFile(dir.resolve("stuck.jsonl"), slow)
        .bufferCapacity(1).closeTimeout(Duration.ofMillis(100)).build();
    w.append("block");
    assertThat(inEncoder.await(10, TimeUnit.SECONDS)).isTrue();
    w.append("a"); // fills the buffer
    AtomicReference<CompletableFuture<Void>> ackB = new AtomicReference<>();
    Thread appender = new Thread(() -> ackB.set(w.appendAcknowledged("b")), "t-waiting");
    appender.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (appender.getState() != Thread.State.WAITING) { // parked in the full buffer
      assertThat(System.nanoTime() - deadline).isNegative();
      Thread.onSpinWait();
    }
    w.close(); // gives up after 100 ms; the writer thread is still in the encoder
    releaseEncoder.countDown();
    appender.join(10_000);
    assertThat(appender.isAlive()).isFalse();
    CompletableFuture<Void> ack = ackB.get();
    assertThat(ack).isNotNull();
    String outcome;
    try {
      ack.get(5, TimeUnit.SECONDS);
      outcome = "written";
    } catch (ExecutionException e) {
      outcome = "failed: " + e.getCause().getMessage();
    } catch (TimeoutException e) {
      outcome = "never completed";
    }
    WriterStats s = settle(w);
    assertThat(outcome).as("ack of b; stats %s", s).isNotEqualTo("never completed");
    assertThat(s.pending()).as("%s", s).isZero();
    assertThat(s.written() + s.unencodable() + s.unwritten()).as("%s", s)
        .isEqualTo(s.appended());
  }
}
