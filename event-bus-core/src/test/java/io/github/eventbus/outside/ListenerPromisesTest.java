package io.github.eventbus.outside;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventHandler;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.Subscribe;
import io.github.eventbus.SubscriberExceptionContext;
import io.github.eventbus.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Promises of {@link Subscribe} listeners, concurrent subscriptions, the exception context and
 * {@link Subscription#close()} waiting for a dispatch under way.
 */
class ListenerPromisesTest {

  private static final long WAIT_SECONDS = 20;

  /** Package-private class, private methods: "The method may be private". */
  static final class PrivateListener {
    final List<String> got = new CopyOnWriteArrayList<>();

    @Subscribe(priority = 1)
    private void low(String s) {
      got.add("low " + s);
    }

    @Subscribe(priority = 10)
    private void high(Event<String> e) {
      got.add("high " + e.payload() + " " + e.type());
    }
  }

  @Test
  void privateMethodsOfAPackagePrivateClassInAnotherPackage_areCalled_envelopeParamAndPriority() {
    PrivateListener listener = new PrivateListener();
    try (EventBus bus = EventBus.builder().build()) {
      bus.register(listener);
      bus.publishSync("a");
      bus.publishSync(7);
    }
    assertThat(listener.got).containsExactly("high a java.lang.String", "low a");
  }

  /** Not concurrent: Guava calls it one thread at a time. */
  static final class SerialListener {
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();

    @Subscribe
    void on(Integer i) {
      if (inside.incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      calls.incrementAndGet();
      Thread.onSpinWait();
      inside.decrementAndGet();
    }
  }

  @Test
  void nonConcurrentListenerMethod_concurrentPublishSyncFromFourThreads_neverOverlaps()
      throws Exception {
    SerialListener listener = new SerialListener();
    try (EventBus bus = EventBus.builder().build()) {
      bus.register(listener);
      Together.run(4, () -> {
        for (int i = 0; i < 5000; i++) {
          bus.publishSync(i);
        }
      }, WAIT_SECONDS);
    }
    assertThat(listener.calls).hasValue(20_000);
    assertThat(listener.overlaps).hasValue(0);
  }

  /** Guava-annotated, with Guava's @AllowConcurrentEvents. */
  static final class GuavaListener {
    final CountDownLatch bothInside = new CountDownLatch(2);

    @com.google.common.eventbus.Subscribe
    @com.google.common.eventbus.AllowConcurrentEvents
    public void on(String s) throws InterruptedException {
      bothInside.countDown();
      if (!bothInside.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never ran concurrently");
      }
    }
  }

  @Test
  void guavaAllowConcurrentEvents_isHonoured_twoWorkersInsideAtOnce() throws Exception {
    GuavaListener listener = new GuavaListener();
    AtomicInteger failures = new AtomicInteger();
    try (EventBus bus = EventBus.builder().workers(2)
        .exceptionHandler((e, c) -> failures.incrementAndGet()).build()) {
      bus.register(listener);
      bus.publish("a");
      bus.publish("b");
      assertThat(listener.bothInside.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(failures).hasValue(0);
  }

  @Test
  void concurrentSubscription_twoWorkersInsideAtOnce() throws Exception {
    CountDownLatch bothInside = new CountDownLatch(2);
    AtomicInteger timedOut = new AtomicInteger();
    try (EventBus bus = EventBus.builder().workers(2).build()) {
      bus.on(String.class).concurrent().subscribe(s -> {
        bothInside.countDown();
        if (!bothInside.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
          timedOut.incrementAndGet();
        }
      });
      bus.publish("a");
      bus.publish("b");
      assertThat(bothInside.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(timedOut).hasValue(0);
  }

  /** Fails every time. */
  static final class FailingListener {
    @Subscribe
    public void on(Long l) {
      throw new IllegalStateException("listener fails");
    }
  }

  @Test
  void exceptionContext_namesListenerAndMethod_orTheLambda_withAttemptsAndWillRetry()
      throws Exception {
    List<SubscriberExceptionContext> contexts = new CopyOnWriteArrayList<>();
    CountDownLatch three = new CountDownLatch(3);
    FailingListener listener = new FailingListener();
    EventHandler<String> lambda = s -> {
      throw new IllegalStateException("lambda fails");
    };
    try (EventBus bus = EventBus.builder().name("ctx-bus").exceptionHandler((e, c) -> {
      contexts.add(c);
      three.countDown();
    }).build()) {
      bus.register(listener);
      bus.on(String.class).name("retrying")
          .retry(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofMillis(1)).build())
          .subscribe(lambda);
      bus.publishSync(5L);
      bus.publish("x");
      assertThat(three.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
    SubscriberExceptionContext fromListener = contexts.get(0);
    assertThat(fromListener.listener()).isSameAs(listener);
    assertThat(fromListener.method().getName()).isEqualTo("on");
    assertThat(fromListener.bus()).isEqualTo("ctx-bus");
    assertThat(fromListener.attempt()).isEqualTo(1);
    assertThat(fromListener.willRetry()).isFalse();
    assertThat(contexts.subList(1, 3)).allSatisfy(c -> {
      assertThat(c.listener()).isSameAs(lambda);
      assertThat(c.method()).isNull();
      assertThat(c.subscriber()).isEqualTo("retrying");
      assertThat(c.event().payload()).isEqualTo("x");
    });
    assertThat(contexts.subList(1, 3)).extracting(SubscriberExceptionContext::attempt)
        .containsExactly(1, 2);
    assertThat(contexts.subList(1, 3)).extracting(SubscriberExceptionContext::willRetry)
        .containsExactly(true, false);
  }

  @Test
  void subscriptionClose_waitsForASyncDispatchUnderWayOnAnotherThread_thenNoMoreCalls()
      throws Exception {
    CountDownLatch firstEntered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger laterCalls = new AtomicInteger();
    try (EventBus bus = EventBus.builder().build()) {
      bus.on(String.class).priority(10).subscribe(s -> {
        firstEntered.countDown();
        release.await();
      });
      Subscription later = bus.on(String.class).priority(1)
          .subscribe(s -> laterCalls.incrementAndGet());
      CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> bus.publishSync("x"));
      assertThat(firstEntered.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
      int[] callsWhenCloseReturned = new int[1];
      Thread closer = new Thread(() -> {
        later.close();
        callsWhenCloseReturned[0] = laterCalls.get();
      }, "subscription-closer");
      closer.start();
      assertThat(ProbeSupport.eventually(() -> closer.getState() == Thread.State.WAITING
          || closer.getState() == Thread.State.TIMED_WAITING
          || closer.getState() == Thread.State.BLOCKED
          || !closer.isAlive(), Duration.ofSeconds(WAIT_SECONDS))).isTrue();
      assertThat(closer.isAlive()).as("close returned while the dispatch was under way").isTrue();
      release.countDown();
      closer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
      publisher.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(laterCalls.get()).isEqualTo(callsWhenCloseReturned[0]);
      bus.publishSync("y");
      assertThat(laterCalls.get()).isEqualTo(callsWhenCloseReturned[0]);
    }
  }
}
