package io.github.eventbus.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.github.eventbus.BackpressurePolicy;
import io.github.eventbus.DeliveryReport;
import io.github.eventbus.DeliveryStatus;
import io.github.eventbus.EventBus;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * The builder's durations at their documented bounds, the queue-place promises of
 * {@link BackpressurePolicy}, and the correlation id in the MDC.
 */
class TimeoutAndCapacityPromisesTest {

  private static final long WAIT_SECONDS = 20;

  /** What a user writes for "wait as long as it takes". */
  private static final Duration FOREVER = ChronoUnit.FOREVER.getDuration();

  @Test
  void drainTimeout_practicallyForever_closeDrainsAndEndsTheThreads() throws Exception {
    CountDownLatch delivered = new CountDownLatch(1);
    EventBus bus = EventBus.builder().name("drain-forever").drainTimeout(FOREVER).build();
    bus.subscribe(String.class, s -> delivered.countDown());
    bus.publish("x");
    assertThatCode(bus::close).doesNotThrowAnyException();
    assertThat(delivered.getCount()).isZero();
    assertThat(ProbeSupport.alive("drain-forever-")).isEmpty();
  }

  @Test
  void blockTimeout_practicallyForever_buildsAWorkingBus() throws Exception {
    CountDownLatch delivered = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().blockTimeout(FOREVER).build()) {
      bus.subscribe(String.class, s -> delivered.countDown());
      bus.publish("x");
      assertThat(delivered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void drainTimeout_aHundredYears_closeDrainsAndEndsTheThreads() {
    AtomicInteger delivered = new AtomicInteger();
    EventBus bus = EventBus.builder().name("drain-century")
        .drainTimeout(Duration.ofDays(36_500)).build();
    bus.subscribe(Integer.class, i -> delivered.incrementAndGet());
    for (int i = 0; i < 1000; i++) {
      bus.publish(i);
    }
    bus.close();
    assertThat(delivered).hasValue(1000);
    assertThat(ProbeSupport.alive("drain-century-")).isEmpty();
  }

  @Test
  void smallQueue_placeIsFreeOnceTheTrackedReportCompletes_soRejectNeverFiresInLockstep()
      throws Exception {
    // "a queue of fewer than 32 places frees each one before ... a tracked publish's report
    // completes": publishing the next event only after the last report must always find room.
    try (EventBus bus = EventBus.builder().queueCapacity(1).backpressure(BackpressurePolicy.REJECT)
        .workers(2).build()) {
      bus.subscribe(Integer.class, i -> {});
      for (int i = 0; i < 3000; i++) {
        DeliveryReport report = bus.publishAndTrack(i).toCompletableFuture()
            .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(report.allDelivered()).as("event %d", i).isTrue();
      }
      assertThat(bus.metrics().totals().rejected()).isZero();
      assertThat(bus.metrics().queueHighWaterMark()).isEqualTo(1);
    }
  }

  @Test
  void largeQueue_depthReturnsToZeroAtQuiescence_highWaterMarkNeverAboveCapacity()
      throws Exception {
    int capacity = 4096;
    try (EventBus bus = EventBus.builder().queueCapacity(capacity).workers(2).build()) {
      bus.subscribe(Integer.class, i -> {});
      bus.subscribe(Integer.class, i -> {});
      List<CompletableFuture<DeliveryReport>> reports = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        reports.add(bus.publishAndTrack(i).toCompletableFuture());
      }
      CompletableFuture.allOf(reports.toArray(CompletableFuture[]::new))
          .get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(reports).allSatisfy(r -> assertThat(r.join().outcomes())
          .extracting(o -> o.status()).containsOnly(DeliveryStatus.DELIVERED));
      assertThat(ProbeSupport.eventually(() -> bus.metrics().queueDepth() == 0,
          Duration.ofSeconds(WAIT_SECONDS))).isTrue();
      assertThat(bus.metrics().queueHighWaterMark()).isBetween(1L, (long) capacity);
      assertThat(bus.metrics().totals().delivered()).isEqualTo(20_000);
    }
  }

  @Test
  void correlationId_nestedSyncPublish_innerIdWhileItsHandlerRuns_outerMdcRestoredAfter() {
    List<String> seen = new ArrayList<>();
    MDC.put("correlation_id", "publisher-own");
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe(Integer.class, i -> seen.add("inner " + MDC.get("correlation_id")));
      bus.subscribe(String.class, s -> {
        seen.add("outer " + MDC.get("correlation_id"));
        bus.publishSync(1, io.github.eventbus.Metadata.builder().correlationId("c-inner").build());
        seen.add("outer again " + MDC.get("correlation_id"));
      });
      bus.publishSync("x", io.github.eventbus.Metadata.builder().correlationId("c-outer").build());
      assertThat(MDC.get("correlation_id")).isEqualTo("publisher-own");
    } finally {
      MDC.clear();
    }
    assertThat(seen).containsExactly("outer c-outer", "inner c-inner", "outer again c-outer");
  }

  @Test
  void correlationId_asyncHandlerSeesIt_evenWithMdcPropagationOfAPublisherWithoutMdc()
      throws Exception {
    CompletableFuture<String> seen = new CompletableFuture<>();
    MDC.clear();
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe(String.class, s -> seen.complete(MDC.get("correlation_id")));
      bus.publish("x", io.github.eventbus.Metadata.builder().correlationId("c-async").build());
      assertThat(seen.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("c-async");
    }
  }
}
