package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class InFlightTest {

  private final MetricsRegistry metrics = new MetricsRegistry(16);
  private final InFlight inFlight = new InFlight();

  /** The published count of a type, as the bus's metrics report it. */
  private long published(String type) {
    return metrics.snapshot(inFlight, 0, Optional.empty()).byType().get(type).published();
  }

  private static void runAndJoin(Runnable work) throws InterruptedException {
    Thread t = new Thread(work, "t-counting");
    t.start();
    t.join();
  }

  @Test
  void countPublished_countsAThreadsFirstTypeInItsSlot_andOtherTypesShared() throws Exception {
    TypeStats first = metrics.forType("first");
    TypeStats second = metrics.forType("second");
    runAndJoin(() -> {
      for (int i = 0; i < 5; i++) {
        inFlight.countPublished(first);
        inFlight.countPublished(second);
      }
    });

    assertThat(first.published.sum()).isZero();
    assertThat(second.published.sum()).isEqualTo(5);
    assertThat(published("first")).isEqualTo(5);
    assertThat(published("second")).isEqualTo(5);
  }

  @Test
  void endedThreadsCounts_moveToTheSharedCounter_whenTheirSlotsArePurged() throws Exception {
    TypeStats stats = metrics.forType("tick");
    // A slot is purged when the 64th slot is made: 63 ended threads, then 7 more.
    for (int t = 0; t < 70; t++) {
      runAndJoin(() -> {
        for (int i = 0; i < 3; i++) {
          inFlight.countPublished(stats);
        }
      });
    }

    assertThat(stats.published.sum()).isEqualTo(63 * 3);
    Map<TypeStats, Long> inSlots = new IdentityHashMap<>();
    inFlight.addPublishedInSlots(inSlots);
    assertThat(inSlots).containsExactly(Map.entry(stats, 7L * 3));
    assertThat(published("tick")).isEqualTo(70 * 3);
  }

  @Test
  void counts_readWhileThreadsEndAndArePurged_areNeverAboveThePublishesMade() throws Exception {
    TypeStats stats = metrics.forType("tick");
    AtomicLong started = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<String> wrong = new AtomicReference<>();
    CountDownLatch reading = new CountDownLatch(1);
    Thread reader = new Thread(() -> {
      reading.countDown();
      while (!done.get()) {
        long seen = published("tick");
        long made = started.get(); // read after: every publish counted was started before it
        if (seen > made) {
          wrong.compareAndSet(null, seen + " counted, " + made + " made");
        }
      }
    }, "t-reader");
    reader.start();
    assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();
    int threads = 1_000;
    for (int t = 0; t < threads; t += 4) {
      List<Thread> wave = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        wave.add(new Thread(() -> {
          for (int i = 0; i < 10; i++) {
            started.incrementAndGet();
            inFlight.countPublished(stats);
          }
        }, "t-counting-" + (t + w)));
      }
      wave.forEach(Thread::start);
      for (Thread w : wave) {
        w.join();
      }
    }
    done.set(true);
    reader.join();

    assertThat(wrong.get()).isNull();
    assertThat(published("tick")).isEqualTo(threads * 10L);
    assertThat(stats.published.sum()).isPositive(); // slots were purged on the way
  }
}
