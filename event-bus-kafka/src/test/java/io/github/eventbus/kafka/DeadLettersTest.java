package io.github.eventbus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.internal.RateLimitedLog;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The bridge's dead-letter queue when failures outrun the dead-letter thread: no letter is
 * dropped; once 10,000 wait, the thread that reports the next failure publishes it itself.
 */
class DeadLettersTest {

  @Test
  void fullQueue_reporterPublishesTheNextLetterItself_andNoneIsLost() throws Exception {
    int letters = 10_005;
    CountDownLatch release = new CountDownLatch(1);
    Set<String> handledOn = ConcurrentHashMap.newKeySet();
    AtomicInteger handled = new AtomicInteger();
    Counters counters = new Counters();
    try (EventBus bus = EventBus.builder().name("dead-letters-test").build()) {
      bus.subscribe(DeadLetter.class, letter -> {
        handledOn.add(Thread.currentThread().getName());
        release.await(60, TimeUnit.SECONDS); // holds the dead-letter thread, then the reporter
        handled.incrementAndGet();
      });
      DeadLetters deadLetters = new DeadLetters(bus, counters,
          new RateLimitedLog(LoggerFactory.getLogger(DeadLettersTest.class), Clock.systemUTC(),
              RateLimitedLog.INTERVAL),
          runnable -> new Thread(runnable, "dead-letters-test-thread"));
      Event<?> event = Event.builder(DynamicEvent.of("flood.n", Map.of())).id("evt-1")
          .timestamp(java.time.Instant.parse("2030-01-01T00:00:00Z")).build();
      RuntimeException cause = new RuntimeException("send failed");
      Thread reporter = new Thread(() -> {
        for (int i = 0; i < letters; i++) {
          deadLetters.later(event, "kafka-bridge", cause, 1);
        }
      }, "dead-letters-test-reporter");
      reporter.start();

      // The dead-letter thread holds one letter, 10,000 wait; the next runs on the reporter.
      Eventually.await(() -> handledOn.contains("dead-letters-test-reporter"), handledOn::toString);
      assertThat(reporter.getState()).isNotEqualTo(Thread.State.TERMINATED);
      release.countDown();
      reporter.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(reporter.isAlive()).isFalse();
      deadLetters.close();

      assertThat(handled.get()).as("letters handled").isEqualTo(letters);
      assertThat(counters.deadLetters.sum()).isEqualTo(letters);
      assertThat(handledOn).contains("dead-letters-test-thread", "dead-letters-test-reporter");
    }
  }
}
