package io.github.eventbus.webhooks;

import static io.github.eventbus.webhooks.OutboxProbes.entry;
import static io.github.eventbus.webhooks.OutboxProbes.ids;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A running client's outbox compacts its file: it holds what is unfinished, not every delivery
 * ever sent, and a restart still finds exactly what was live.
 */
class OutboxCompactionTest {

  private static final long SMALL = 4_096; // the default is 1 MiB; a record here is ~110 bytes

  @TempDir Path dir;

  @Test
  void aLongRunningOutbox_keepsItsFileBoundedByWhatIsLive() throws Exception {
    Path file = dir.resolve("outbox.jsonl");
    List<String> stillPending = new ArrayList<>();
    try (Outbox outbox = new Outbox(file, null, SMALL)) {
      for (int i = 0; i < 2_000; i++) {
        Outbox.Entry e = entry("d" + i);
        outbox.pending(e).get(20, TimeUnit.SECONDS);
        if (i % 10 == 0) {
          stillPending.add(e.id()); // one in ten stays unfinished
        } else {
          outbox.done(e.key());
        }
      }
      // Without compaction: 2,000 pending lines and 1,800 done lines. With it: the 200 live
      // records, and what was written since the last compaction (about as many bytes again).
      assertThat(Files.readAllLines(file)).hasSizeLessThan(700);
      assertThat(outbox.stats().appended()).isEqualTo(3_800);
    }
    assertThat(Files.readAllLines(file)).hasSizeLessThan(700);
    try (Outbox restarted = new Outbox(file, null)) {
      assertThat(ids(restarted.pending())).containsExactlyElementsOf(stillPending);
    }
  }

  /**
   * Threads accept, finish and fail deliveries while the outbox compacts under them; after close
   * and a restart it holds exactly the live set, and every record appended was written.
   */
  @ParameterizedTest
  @ValueSource(longs = {7L, 99L, 2026L})
  void compactingWhileThreadsAppend_restartHoldsExactlyTheLiveSet(long seed) throws Exception {
    Path file = dir.resolve("outbox-" + seed + ".jsonl");
    int threads = 6;
    int perThread = 300;
    List<String> expectedPending;
    List<String> expectedDead;
    try (Outbox outbox = new Outbox(file, null, 512)) {
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        Random random = new Random(seed * 31 + t);
        workers.add(new Thread(() -> {
          try {
            go.await();
            for (int i = 0; i < perThread; i++) {
              Outbox.Entry e = entry("t" + thread + "-" + i);
              var durable = outbox.pending(e);
              OutboxProbes.endRandomly(outbox, e, random);
              durable.get(20, TimeUnit.SECONDS); // acknowledged: written before or after a swap
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }, "worker-" + t));
      }
      workers.forEach(Thread::start);
      go.countDown();
      for (Thread w : workers) {
        w.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(w.isAlive()).as(w.getName()).isFalse();
      }
      assertThat(failures).isEmpty();
      expectedPending = ids(outbox.pending());
      expectedDead = ids(outbox.dead());
    }
    try (Outbox restarted = new Outbox(file, null)) {
      assertThat(ids(restarted.pending())).containsExactlyInAnyOrderElementsOf(expectedPending);
      assertThat(ids(restarted.dead())).containsExactlyInAnyOrderElementsOf(expectedDead);
    }
  }
}
