package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shutdown loses nothing: handler publishes during the drain, stuck handlers, JVM exit. */
class ShutdownTest {

  record Change(int n) {}

  record Report(int n) {}

  record Alert(int n) {}

  @Test
  void close_handlersPublishDuringDrain_everythingDeliveredNoDeadLetters() {
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    AtomicInteger changes = new AtomicInteger();
    AtomicInteger reports = new AtomicInteger();
    AtomicInteger alerts = new AtomicInteger();
    EventBus bus = EventBus.builder().name("drain-publish").workers(2).build();
    bus.subscribe(DeadLetter.class, letters::add);
    // Like the handlers module: a file change leads to a report (async) and, for some, an alert
    // (sync), each published from inside a handler.
    bus.subscribe(Change.class, c -> {
      changes.incrementAndGet();
      bus.publish(new Report(c.n()));
      if (c.n() % 3 == 0) {
        bus.publishSync(new Alert(c.n()));
      }
    });
    bus.subscribe(Report.class, r -> {
      reports.incrementAndGet();
      if (r.n() % 3 == 1) {
        bus.publish(new Alert(r.n()));
      }
    });
    bus.subscribe(Alert.class, a -> alerts.incrementAndGet());

    for (int i = 0; i < 60; i++) {
      bus.publish(new Change(i));
    }
    bus.close();

    assertThat(letters).isEmpty();
    assertThat(changes).hasValue(60);
    assertThat(reports).hasValue(60);
    assertThat(alerts).hasValue(40);
    assertThat(bus.metrics().totals().undelivered()).isZero();
  }

  @Test
  void close_whileDraining_refusesExternalPublishes() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger handled = new AtomicInteger();
    EventBus bus = EventBus.builder().name("drain-refuse").workers(1).build();
    bus.subscribe(Change.class, c -> {
      started.countDown();
      release.await();
      handled.incrementAndGet();
    });
    bus.publish(new Change(1));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(bus::close, "test-closer");
    closer.start();
    try {
      while (!bus.isClosed()) {
        Thread.onSpinWait();
      }
      assertThatThrownBy(() -> bus.publish(new Change(2))).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> bus.publishSync(new Change(3)))
          .isInstanceOf(IllegalStateException.class);
    } finally {
      release.countDown();
    }
    closer.join(10_000);
    assertThat(closer.isAlive()).isFalse();
    assertThat(handled).hasValue(1);
  }

  @Test
  void close_drainTimeout_handlerIgnoresInterrupts_everyQueuedDeliveryReported() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    EventBus bus = EventBus.builder().name("stuck").workers(1)
        .drainTimeout(Duration.ofMillis(200)).build();
    bus.subscribe(DeadLetter.class, letters::add);
    bus.subscribe(Change.class, c -> {
      started.countDown();
      boolean interrupted = false;
      while (true) {
        try {
          if (release.await(10, TimeUnit.SECONDS)) {
            break;
          }
        } catch (InterruptedException e) {
          interrupted = true; // ignored on purpose, like a badly written handler
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      for (int i = 0; i < 1000; i++) {
        bus.publish(new Change(i));
      }
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      bus.close();

      assertThat(letters).hasSize(999);
      assertThat(letters).allSatisfy(l -> {
        assertThat(l.cause()).isInstanceOf(RejectedEventException.class);
        assertThat(l.attempts()).isZero();
      });
      assertThat(letters.stream().map(l -> ((Change) l.event().payload()).n()).distinct())
          .hasSize(999).doesNotContain(0);
      assertThat(bus.metrics().totals().undelivered()).isEqualTo(999);
    } finally {
      release.countDown();
    }
  }

  @Test
  void close_drainTimeout_userExecutor_concurrentDeliveriesQueuedBehindStuckHandler_reported()
      throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "shutdown-user-pool");
      t.setDaemon(true);
      return t;
    });
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    AtomicInteger handled = new AtomicInteger();
    EventBus bus = EventBus.builder().name("drain-user-pool").executor(executor)
        .drainTimeout(Duration.ofMillis(100)).build();
    bus.subscribe(DeadLetter.class, letters::add);
    bus.on(Change.class).concurrent().subscribe(c -> {
      if (c.n() == 0) {
        stuck.countDown();
        TestThreads.awaitIgnoringInterrupts(release);
      }
      handled.incrementAndGet();
    });
    for (int i = 0; i < 51; i++) {
      bus.publish(new Change(i));
    }
    assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();

    bus.close(); // the user's pool is not the bus's to stop: its queue is reported all the same

    assertThat(letters).hasSize(50).allSatisfy(l -> assertThat(l.attempts()).isZero());
    assertThat(bus.metrics().totals().undelivered()).isEqualTo(50);
    assertThat(bus.metrics().queueDepth()).isEqualTo(1); // the stuck one, still running
    release.countDown();
    executor.shutdown();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(handled).hasValue(1); // none of the reported deliveries ran after all
    assertThat(bus.metrics().queueDepth()).isZero();
    assertThat(letters).hasSize(50);
  }

  @Test
  void close_shortDrainRacingTrackedPublishesWithRetries_everyReportCompletes() throws Exception {
    for (int iteration = 0; iteration < 20; iteration++) {
      EventBus bus = EventBus.builder().name("drain-race-" + iteration).workers(2)
          .queueCapacity(32).drainTimeout(Duration.ofMillis(iteration % 3)).build();
      // Every 20th delivery waits at this gate, opened just as close() begins, so the queue is
      // full when the short drain starts and it times out while retries are being scheduled.
      CountDownLatch gate = new CountDownLatch(1);
      bus.subscribe(Change.class, c -> {
        if (c.n() % 20 == 0) {
          gate.await(10, TimeUnit.SECONDS);
        }
      });
      bus.on(Change.class).retry(RetryPolicy.builder().maxAttempts(3)
          .initialDelay(Duration.ofMillis(2)).build()).subscribe(c -> {
            if (c.n() % 3 == 0) {
              throw new IllegalStateException("retry me");
            }
          });
      List<java.util.concurrent.CompletableFuture<DeliveryReport>> reports =
          new CopyOnWriteArrayList<>();
      Thread publisher = new Thread(() -> {
        for (int i = 0; i < 5_000; i++) {
          try {
            reports.add(bus.publishAndTrack(new Change(i)).toCompletableFuture());
          } catch (IllegalStateException closed) {
            return;
          }
        }
      });
      publisher.start();
      while (reports.size() < 10 && publisher.isAlive()) { // the queue (32 places) holds 16
        Thread.onSpinWait();
      }

      gate.countDown();
      bus.close(); // retries are being scheduled while it gives up on what is left

      publisher.join();
      for (java.util.concurrent.CompletableFuture<DeliveryReport> report : reports) {
        assertThat(report).as("iteration %d", iteration).succeedsWithin(Duration.ofSeconds(5));
      }
    }
  }


  @Test
  void closeOnShutdown_jvmExitsWithoutClose_queuedEventsStillHandled(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("handled.txt");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        ShutdownHookMain.class.getName(), out.toString(), "500")
        .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    // Output to a file, not a pipe read to its end: a child that hangs fails the test here
    // instead of hanging the build.
    boolean exited = child.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(dir.resolve("child.log"), StandardCharsets.UTF_8);
    assertThat(exited).as("the child exited within 60 s: %s", output).isTrue();
    assertThat(child.exitValue()).as(output).isZero();

    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      expected.add("event " + i);
    }
    assertThat(lines).isEqualTo(expected);
  }
}
