package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tiny queues (capacity 1, 2, 3) under every policy, with 3 publishers and 2 subscribers on 1 or 2
 * workers: the keep-behind consumer can never have {@link Mailbox#KEEP_BEHIND} ahead, so it
 * always goes through the gather path, and under CALLER_RUNS the publisher drains the mailbox
 * itself. Liveness, per publisher order, exact accounting and metrics at quiescence.
 */
class MailboxKeepBehindBackpressureTest {

  record Msg(int publisher, int seq) {}

  @ParameterizedTest
  @CsvSource({
      "1,BLOCK,1", "2,BLOCK,2", "3,BLOCK,1",
      "1,REJECT,1", "2,REJECT,2", "3,REJECT,1",
      "1,DROP,1", "2,DROP,2", "3,DROP,1",
      "1,CALLER_RUNS,1", "2,CALLER_RUNS,2", "3,CALLER_RUNS,1",
      "150,CALLER_RUNS,1", "150,BLOCK,2"})
  void tinyQueue_everyPolicy_liveOrderedExact(int capacity, BackpressurePolicy policy, int workers)
      throws Exception {
    int publishers = 3;
    int perPublisher = 20_000;
    int subscribers = 2;
    AtomicLong rejected = new AtomicLong();
    List<String> errors = new CopyOnWriteArrayList<>();
    AtomicLong handled = new AtomicLong();
    // per subscriber, per publisher: last seq seen
    AtomicIntegerArray last = new AtomicIntegerArray(subscribers * publishers);
    for (int i = 0; i < last.length(); i++) {
      last.set(i, -1);
    }
    EventBus bus = EventBus.builder().name("t-keep-bp-" + policy).workers(workers)
        .queueCapacity(capacity).backpressure(policy).build();
    try {
      for (int s = 0; s < subscribers; s++) {
        int me = s;
        bus.subscribe(Msg.class, m -> {
          int idx = me * publishers + m.publisher();
          int prev = last.get(idx);
          if (m.seq() <= prev) {
            errors.add("sub " + me + " pub " + m.publisher() + ": " + m.seq() + " after " + prev);
          }
          if (policy != BackpressurePolicy.DROP && m.seq() != prev + 1) {
            errors.add("sub " + me + " pub " + m.publisher() + ": gap " + prev + " -> " + m.seq());
          }
          last.set(idx, m.seq());
          handled.incrementAndGet();
        });
      }
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < publishers; p++) {
        int me = p;
        Thread t = new Thread(() -> {
          int seq = 0;
          for (int i = 0; i < perPublisher; i++) {
            try {
              bus.publish(new Msg(me, seq));
            } catch (RejectedEventException e) {
              rejected.incrementAndGet();
              if (policy != BackpressurePolicy.REJECT) {
                errors.add("unexpected " + e);
              }
              continue; // REJECT: this seq was never published; retry it as the next
            }
            seq++;
          }
        }, "t-keep-bp-pub-" + p);
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join(60_000);
        assertThat(t.isAlive()).as("publisher stuck").isFalse();
      }
      long published = (long) publishers * perPublisher - rejected.get();
      assertThat(TestThreads.await(() -> {
        EventBusMetrics m = bus.metrics();
        return m.queueDepth() == 0
            && m.totals().delivered() + m.totals().dropped() == published * subscribers;
      }, Duration.ofSeconds(20))).as("quiescence: %s depth %s, rejected %s", bus.metrics().totals(),
          bus.metrics().queueDepth(), rejected.get()).isTrue();
      EventBusMetrics m = bus.metrics();
      assertThat(m.totals().published()).isEqualTo(published);
      assertThat(m.totals().rejected()).isEqualTo(rejected.get());
      assertThat(m.totals().delivered()).isEqualTo(handled.get());
      if (policy != BackpressurePolicy.DROP) {
        assertThat(m.totals().dropped()).isZero();
        assertThat(handled.get()).isEqualTo(published * subscribers);
      }
      assertThat(errors).isEmpty();
    } finally {
      bus.close();
    }
  }
}
