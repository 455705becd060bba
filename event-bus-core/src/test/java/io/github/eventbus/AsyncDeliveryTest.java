package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class AsyncDeliveryTest {

  record Seq(int publisher, int n) {}

  /** Checks that each publisher's numbers arrive in order; one instance per subscriber. */
  static final class OrderChecker {
    final int[] next;
    final AtomicReference<String> violation = new AtomicReference<>();
    final AtomicInteger inHandler = new AtomicInteger();
    int received;

    OrderChecker(int publishers) {
      next = new int[publishers];
    }

    void accept(Seq s) {
      if (inHandler.incrementAndGet() != 1) {
        violation.compareAndSet(null, "handler called concurrently");
      }
      if (s.n() != next[s.publisher()]) {
        violation.compareAndSet(null, "publisher " + s.publisher() + ": expected " + next[s.publisher()]
            + " but got " + s.n());
      }
      next[s.publisher()] = s.n() + 1;
      received++;
      inHandler.decrementAndGet();
    }
  }

  @Test
  @Tag("slow")
  void ordering_fourWorkersFourPublishers_millionEvents_eachSubscriberSeesEachPublisherInOrder()
      throws Exception {
    int publishers = 4;
    int perPublisher = 250_000;
    List<OrderChecker> checkers = new ArrayList<>();
    try (EventBus bus = EventBus.builder().name("order").workers(4).queueCapacity(20_000).build()) {
      for (int i = 0; i < 3; i++) {
        OrderChecker checker = new OrderChecker(publishers);
        checkers.add(checker);
        bus.subscribe(Seq.class, checker::accept);
      }
      CyclicBarrier start = new CyclicBarrier(publishers);
      ExecutorService pool = Executors.newFixedThreadPool(publishers);
      for (int p = 0; p < publishers; p++) {
        int publisher = p;
        pool.submit(() -> {
          start.await();
          for (int n = 0; n < perPublisher; n++) {
            bus.publish(new Seq(publisher, n));
          }
          return null;
        });
      }
      pool.shutdown();
      assertThat(pool.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
    } // close drains

    for (OrderChecker checker : checkers) {
      assertThat(checker.violation.get()).isNull();
      assertThat(checker.received).isEqualTo(publishers * perPublisher);
      for (int p = 0; p < publishers; p++) {
        assertThat(checker.next[p]).isEqualTo(perPublisher);
      }
    }
  }

  @Test
  void concurrentSubscriber_runsOnSeveralWorkersAtOnce() throws Exception {
    CountDownLatch bothInside = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    java.util.Set<String> threads = ConcurrentHashMap.newKeySet();
    try (EventBus bus = EventBus.builder().name("conc").workers(2).build()) {
      bus.on(Seq.class).concurrent().subscribe(s -> {
        threads.add(Thread.currentThread().getName());
        bothInside.countDown();
        release.await(10, TimeUnit.SECONDS);
      });
      bus.publish(new Seq(0, 0));
      bus.publish(new Seq(0, 1));

      // Both calls are inside the handler at the same time: impossible for an ordered subscriber.
      assertThat(bothInside.await(10, TimeUnit.SECONDS)).isTrue();
      release.countDown();
    }
    assertThat(threads).hasSize(2);
  }

  @Test
  void userExecutor_runsDeliveries_andIsNotShutDown() throws Exception {
    ExecutorService mine = Executors.newFixedThreadPool(2, r -> new Thread(r, "mine"));
    CountDownLatch got = new CountDownLatch(3);
    List<String> names = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().executor(mine).build()) {
      bus.subscribe(Seq.class, s -> {
        names.add(Thread.currentThread().getName());
        got.countDown();
      });
      for (int i = 0; i < 3; i++) {
        bus.publish(new Seq(0, i));
      }
      assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(names).containsOnly("mine");
    assertThat(mine.isShutdown()).isFalse();
    mine.shutdown();
  }

  @Test
  void aRunningDelivery_countsAgainstTheQueueCapacity_untilItsHandlerReturns() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch second = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().workers(1).queueCapacity(1)
        .backpressure(BackpressurePolicy.REJECT).build()) {
      bus.subscribe(Seq.class, s -> {
        if (s.n() == 0) {
          running.countDown();
          release.await();
        } else {
          second.countDown();
        }
      });
      bus.publish(new Seq(0, 0));
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> bus.publish(new Seq(0, 1)))
          .isInstanceOf(RejectedEventException.class);
      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) { // room comes once the handler has returned
        try {
          bus.publish(new Seq(0, 2));
          break;
        } catch (RejectedEventException notYet) {
          assertThat(System.nanoTime()).isLessThan(deadline);
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
      }
      assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void publishFromInsideHandler_onFullQueue_doesNotDeadlock() throws Exception {
    CountDownLatch chainDone = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().workers(1).queueCapacity(1).build()) {
      bus.subscribe(Seq.class, s -> {
        if (s.n() < 50) {
          bus.publish(new Seq(0, s.n() + 1)); // the queue holds this very delivery: it is full
        } else {
          chainDone.countDown();
        }
      });
      bus.publish(new Seq(0, 0));
      assertThat(chainDone.await(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void publish_handlerLeavesItsThreadInterrupted_nextDeliveriesStartClean() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(20);
    List<Integer> startedInterrupted = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("stray-interrupt").workers(1).build()) {
      bus.subscribe(Integer.class, n -> {
        try {
          if (n == 0) {
            gate.await(); // the others queue up behind this one, in the same batch
            Thread.currentThread().interrupt();
            return;
          }
          if (Thread.currentThread().isInterrupted()) {
            startedInterrupted.add(n);
          }
        } finally {
          done.countDown();
        }
      });
      for (int i = 0; i < 20; i++) {
        bus.publish(i);
      }
      gate.countDown();
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(startedInterrupted).isEmpty();
  }
}
