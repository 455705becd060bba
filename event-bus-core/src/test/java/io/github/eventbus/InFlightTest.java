package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

  @Test
  void counts_readWhileAnotherThreadsFirstSlotPurgesEndedOnes_areExact() throws Exception {
    for (int round = 0; round < 100; round++) {
      MetricsRegistry roundMetrics = new MetricsRegistry(16);
      InFlight roundInFlight = new InFlight();
      TypeStats stats = roundMetrics.forType("tick");
      for (int t = 0; t < 63; t++) {
        runAndJoin(() -> {
          for (int i = 0; i < 10; i++) {
            roundInFlight.countPublished(stats);
          }
        });
      }
      // Every publish has returned. A thread that only takes a slot (as close() does) purges the
      // 63 ended threads' slots, moving their counts, while this one reads.
      AtomicBoolean purged = new AtomicBoolean();
      Thread purger = new Thread(() -> {
        roundInFlight.slot();
        purged.set(true);
      }, "t-purger");
      purger.start();
      long seen;
      do {
        seen = roundMetrics.snapshot(roundInFlight, 0, Optional.empty()).byType().get("tick")
            .published();
        assertThat(seen).as("round %d", round).isEqualTo(630);
      } while (!purged.get());
      purger.join();
      assertThat(stats.published.sum()).isEqualTo(630); // the purge did happen
    }
  }

  @Test
  void aBusesInFlight_isNotKeptByTheSlotsOfThreadsThatOutliveIt() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      ReferenceQueue<InFlight> collected = new ReferenceQueue<>();
      WeakReference<InFlight> dropped = usedByAndDropped(pool, collected);
      Reference<? extends InFlight> seen = null;
      for (int i = 0; i < 100 && seen == null; i++) {
        System.gc();
        seen = collected.remove(100);
      }
      assertThat(seen).isSameAs(dropped);
    } finally {
      pool.shutdownNow();
    }
  }

  private static WeakReference<InFlight> usedByAndDropped(
      ExecutorService pool, ReferenceQueue<InFlight> queue) throws Exception {
    InFlight used = new InFlight();
    TypeStats stats = new TypeStats();
    pool.submit(() -> used.countPublished(stats)).get();
    return new WeakReference<>(used, queue);
  }
}
