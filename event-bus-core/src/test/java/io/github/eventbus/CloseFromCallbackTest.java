package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A callback that the close itself runs (a tracked publish's report, completed as close() gives
 * up on what is queued) and that calls close() again returns at once: it does not start a second
 * drain on the closing thread.
 */
class CloseFromCallbackTest {

  record Job(int n) {}

  @Test
  void close_fromAReportCallbackThatCloseRuns_returnsAtOnce_andTheOuterCloseEnds()
      throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    AtomicInteger nestedCloses = new AtomicInteger();
    EventBus bus = EventBus.builder().name("close-callback").workers(1)
        .drainTimeout(Duration.ofMinutes(1)).build();
    bus.subscribe(Job.class, j -> {
      holding.countDown();
      new CountDownLatch(1).await(); // until close() interrupts the worker
    });
    bus.publish(new Job(0));
    assertThat(holding.await(20, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<DeliveryReport> queued = bus.publishAndTrack(new Job(1))
        .toCompletableFuture();
    CompletableFuture<Void> afterReport = queued.thenRun(() -> {
      nestedCloses.incrementAndGet();
      bus.close();
    });

    Thread closer = new Thread(bus::close, "close-callback-closer");
    closer.start();
    // One interrupt makes close() give up at once on what is queued, whose reports then run on
    // the closing thread; a second drain would wait its whole minute.
    closer.interrupt();
    closer.join(TimeUnit.SECONDS.toMillis(20));

    assertThat(closer.isAlive()).as("close() still running after 20 s").isFalse();
    assertThat(afterReport).isCompleted();
    assertThat(nestedCloses).hasValue(1);
    assertThat(queued.get().outcomes().get(0).status()).isEqualTo(DeliveryStatus.UNDELIVERED);
    assertThat(bus.isClosed()).isTrue();
  }
}
