package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Delivered payloads, envelopes and closed subscriptions are not kept by a mailbox's queue. */
class MailboxMemoryTest {

  static final class Payload {
    final byte[] weight = new byte[1024];
    final int n;

    Payload(int n) {
      this.n = n;
    }
  }

  /** Runs the GC until every reference is cleared, a bounded number of times. */
  static boolean clearedAfterGc(List<? extends WeakReference<?>> refs) {
    for (int i = 0; i < 50; i++) {
      if (refs.stream().allMatch(r -> r.get() == null)) {
        return true;
      }
      System.gc();
      byte[][] pressure = new byte[16][];
      for (int k = 0; k < pressure.length; k++) {
        pressure[k] = new byte[64 * 1024];
      }
      Thread.yield();
    }
    return refs.stream().allMatch(r -> r.get() == null);
  }

  @Test
  void idleBus_manySubscribers_keepsNoPayloadOrEnvelope() {
    EventBus bus = EventBus.builder().name("t-mem").workers(2).build();
    int subscribers = 60;
    AtomicInteger delivered = new AtomicInteger();
    List<WeakReference<Object>> envelopes = new ArrayList<>();
    for (int s = 0; s < subscribers; s++) {
      if (s % 2 == 0) {
        bus.subscribe(Payload.class, p -> delivered.incrementAndGet());
      } else {
        bus.subscribeEnvelope(Payload.class, e -> {
          synchronized (envelopes) {
            envelopes.add(new WeakReference<>(e));
          }
          delivered.incrementAndGet();
        });
      }
    }
    List<WeakReference<Payload>> payloads = new ArrayList<>();
    int n = 300; // more than two chunks per mailbox
    for (int i = 0; i < n; i++) {
      Payload p = new Payload(i);
      payloads.add(new WeakReference<>(p));
      if (i % 3 == 0) {
        bus.publishAndTrack(p);
      } else {
        bus.publish(p);
      }
    }
    assertThat(TestThreads.await(() -> delivered.get() >= n * subscribers,
        Duration.ofSeconds(15))).isTrue();
    assertThat(clearedAfterGc(payloads)).as("payloads still reachable: %s",
        payloads.stream().filter(r -> r.get() != null).count()).isTrue();
    List<WeakReference<Object>> copy;
    synchronized (envelopes) {
      copy = new ArrayList<>(envelopes);
    }
    assertThat(clearedAfterGc(copy)).as("envelopes still reachable: %s",
        copy.stream().filter(r -> r.get() != null).count()).isTrue();
    bus.close();
  }

  @Test
  void singleSubscriber_unstampedPayloadsThatFailed_areNotKept() {
    // One payload subscriber: the bus skips the envelope; failures stamp it lazily on the reused
    // delivery.
    EventBus bus = EventBus.builder().name("t-mem-fail").workers(1)
        .exceptionHandler((e, ctx) -> { }).build();
    AtomicInteger calls = new AtomicInteger();
    bus.subscribe(Payload.class, p -> {
      calls.incrementAndGet();
      if (p.n % 2 == 0) {
        throw new IllegalStateException("fail " + p.n);
      }
    });
    List<WeakReference<Payload>> payloads = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Payload p = new Payload(i);
      payloads.add(new WeakReference<>(p));
      bus.publish(p);
    }
    assertThat(TestThreads.await(() -> calls.get() >= 200, Duration.ofSeconds(10)))
        .isTrue();
    assertThat(TestThreads.await(() -> bus.metrics().queueDepth() == 0,
        Duration.ofSeconds(10))).isTrue();
    assertThat(clearedAfterGc(payloads)).as("payloads still reachable: %s",
        payloads.stream().filter(r -> r.get() != null).count()).isTrue();
    bus.close();
  }

  private Subscription lastSubscription;

  /** Subscribes a handler that captures a heavy object; returns a weak reference to that. */
  private WeakReference<Object> subscribeHeavy(EventBus bus, AtomicInteger delivered) {
    byte[] held = new byte[4096];
    lastSubscription = bus.subscribe(Payload.class, p -> {
      if (held.length > 0) {
        delivered.incrementAndGet();
      }
    });
    return new WeakReference<>(held);
  }

  /**
   * A Route names every subscriber of its type. A mailbox keeps the routes of the slots it
   * consumed until it leaves their chunk, so an unsubscribed listener stays reachable through
   * another subscriber's idle mailbox.
   */
  @Test
  void unsubscribedListener_isNotKeptByAnotherSubscribersMailbox() {
    EventBus bus = EventBus.builder().name("t-mem-route").workers(1).build();
    AtomicInteger delivered = new AtomicInteger();
    bus.subscribe(Payload.class, p -> delivered.incrementAndGet());
    WeakReference<Object> weak = subscribeHeavy(bus, delivered);
    Subscription gone = lastSubscription;
    lastSubscription = null;
    bus.publish(new Payload(1));
    assertThat(TestThreads.await(() -> delivered.get() >= 2, Duration.ofSeconds(10)))
        .isTrue();
    gone.close();
    gone = null;
    assertThat(clearedAfterGc(List.of(weak)))
        .as("the closed subscription's handler (and what it captured) is still reachable")
        .isTrue();
    bus.close();
  }
}
