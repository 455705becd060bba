package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.EventBus;
import io.github.eventbus.jsonl.WriterStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adversary probe: payloads that contain themselves overflow the stack in the audit log's
 * encoder, interleaved with ordinary events from two threads. The audit writer counts each as
 * unencodable and goes on: every ordinary event is in the log, and the bus delivers all.
 */
class AuditRecursionAdversaryTest {

  @TempDir Path dir;

  /** A payload whose list holds itself. */
  record Loop(int n, List<Object> items) {}

  /** An ordinary payload. */
  record Plain(int n) {}

  @Test
  @Timeout(60)
  void recursivePayloads_overflowTheEncoder_countedUnencodable_writerGoesOn() throws Exception {
    int per = 200;
    List<Object> delivered = new CopyOnWriteArrayList<>();
    EventBus bus = EventBus.builder().name("adv-audit").workers(2).auditLog(dir).build();
    try {
      bus.subscribe(Object.class, delivered::add);
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int id = t;
        threads.add(new Thread(() -> {
          try {
            go.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          for (int i = 0; i < per; i++) {
            int n = id * per + i;
            if (n % 5 == 0) {
              List<Object> items = new ArrayList<>();
              Loop loop = new Loop(n, items);
              items.add(loop);
              bus.publish(loop);
            } else {
              bus.publish(new Plain(n));
            }
          }
        }, "adv-audit-publisher-" + t));
      }
      threads.forEach(Thread::start);
      go.countDown();
      for (Thread t : threads) {
        t.join(30_000);
        assertThat(t.isAlive()).isFalse();
      }
    } finally {
      bus.close();
    }
    WriterStats stats = bus.metrics().auditLog().orElseThrow();
    assertThat(stats.unencodable()).as("%s", stats).isEqualTo(2 * per / 5);
    assertThat(stats.unwritten()).as("%s", stats).isZero();
    assertThat(delivered).hasSize(2 * per);
    long lines = 0;
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        lines += Files.readAllLines(f).stream().filter(l -> l.contains("Plain")).count();
      }
    }
    assertThat(lines).as("ordinary events in the audit log").isEqualTo(2 * per * 4 / 5);
  }
}
