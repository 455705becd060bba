package io.github.eventbus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.TypePattern;
import io.github.eventbus.audit.AuditFormat;
import io.github.eventbus.internal.RateLimitedLog;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The outbound half on its own, with no broker: sends fail on the thread that publishes. */
class OutboundTest {

  /**
   * A failed send calls back on the publishing thread. One named like another producer's network
   * thread must not be taken for this producer's: an interrupted close would wait for it until its
   * timeout.
   */
  @Test
  void interruptedClose_doesNotWaitForAPublisherNamedLikeANetworkThread() throws Exception {
    try (EventBus bus = EventBus.builder().name("outbound").build()) {
      Counters counters = new Counters();
      RateLimitedLog failures = new RateLimitedLog(LoggerFactory.getLogger(KafkaBridge.class),
          Clock.systemUTC(), RateLimitedLog.INTERVAL);
      DeadLetters deadLetters = new DeadLetters(bus, counters, failures, r -> {
        Thread t = new Thread(r, "outbound-dead-letters");
        t.setDaemon(true);
        return t;
      });
      Map<String, Object> config = new HashMap<>();
      config.put("bootstrap.servers", "127.0.0.1:1"); // nothing listens: metadata never comes
      config.put("client.id", "eventbus-outbound-out");
      config.put("max.block.ms", 300);
      Outbound outbound = new Outbound(bus,
          List.of(new Outbound.Route(TypePattern.compile("ob.*"), "t")), config,
          new RecordCodec(AuditFormat.standard(), RecordKey.correlationId(), "id"), deadLetters,
          counters, failures);
      CountDownLatch release = new CountDownLatch(1);
      Thread foreign = new Thread(() -> {
        bus.publishSync(DynamicEvent.of("ob.x", Map.of()));
        try {
          release.await(); // alive, like a real network thread
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "kafka-producer-network-thread | someone-else");
      foreign.setDaemon(true);
      foreign.start();
      try {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (counters.snapshot().produceFailed() == 0 && System.nanoTime() < until) {
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a poll, not a spin
        }
        assertThat(counters.snapshot().produceFailed()).as("the send failed").isEqualTo(1);

        AtomicLong tookMillis = new AtomicLong();
        Thread closer = new Thread(() -> {
          Thread.currentThread().interrupt(); // cuts the producer's own close short
          long start = System.nanoTime();
          outbound.close(Duration.ofSeconds(20));
          tookMillis.set(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }, "outbound-closer");
        closer.start();
        closer.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(closer.isAlive()).isFalse();
        assertThat(tookMillis.get()).as("close did not wait for the foreign thread")
            .isLessThan(10_000);
        assertThat(foreign.isAlive()).isTrue();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
            .as("the producer's own network thread ended")
            .doesNotContain("kafka-producer-network-thread | eventbus-outbound-out");
      } finally {
        release.countDown();
        deadLetters.close();
      }
    }
  }
}
