package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.eventbus.AllowConcurrentEvents;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ListenerMethodsTest {

  record Order(String id) {}

  @EventType("order.cancelled")
  record Cancelled(String id) {}

  /** A listener written for Guava's EventBus, unchanged. */
  static class GuavaListener {
    final List<String> got = new CopyOnWriteArrayList<>();

    @com.google.common.eventbus.Subscribe
    public void onOrder(Order order) {
      got.add("guava:" + order.id());
    }

    @com.google.common.eventbus.Subscribe
    @AllowConcurrentEvents
    public void onAnything(Object any) {
      got.add("any:" + any.getClass().getSimpleName());
    }
  }

  static class OurListener {
    final List<String> got = new CopyOnWriteArrayList<>();

    @Subscribe(priority = 5)
    private void envelope(Event<Cancelled> event) {
      got.add("envelope:" + event.type() + ":" + event.payload().id());
    }

    @Subscribe
    void failing(Order order) {
      throw new IllegalStateException("listener bug " + order.id());
    }
  }

  static class Child extends OurListener {
    @Override
    @Subscribe
    void failing(Order order) {
      got.add("child:" + order.id()); // the override is called, once
    }
  }

  static class NoMethods {}

  static class TwoParameters {
    @Subscribe
    void bad(Order a, Order b) {}
  }

  private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
  private final EventBus bus = EventBus.builder().exceptionHandler((e, c) -> {}).build();

  @AfterEach
  void close() {
    bus.close();
  }

  @Test
  void register_guavaListener_receivesEventsAsBefore() {
    GuavaListener listener = new GuavaListener();
    bus.register(listener);

    bus.publishSync(new Order("o1"));

    assertThat(listener.got).containsExactlyInAnyOrder("guava:o1", "any:Order");
  }

  @Test
  void register_privateEnvelopeMethod_andFailuresBecomeDeadLetters() {
    bus.subscribe(DeadLetter.class, letters::add);
    OurListener listener = new OurListener();
    bus.register(listener);

    bus.publishSync(new Cancelled("c1"));
    bus.publishSync(new Order("o1"));

    assertThat(listener.got).containsExactly("envelope:order.cancelled:c1");
    assertThat(letters).singleElement().satisfies(l -> {
      assertThat(l.cause()).hasMessage("listener bug o1");
      assertThat(l.subscriber()).isEqualTo("OurListener.failing(Order)");
    });
  }

  @Test
  void register_overriddenMethod_isCalledOnceThroughTheOverride() {
    Child child = new Child();
    bus.register(child);

    bus.publishSync(new Order("o1"));

    assertThat(child.got).containsExactly("child:o1");
  }

  @Test
  void unregister_removesEveryMethod_andTwiceIsAnError() {
    GuavaListener listener = new GuavaListener();
    bus.register(listener);
    bus.unregister(listener);

    bus.publishSync(new Order("o1"));

    assertThat(listener.got).isEmpty();
    assertThatThrownBy(() -> bus.unregister(listener))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not registered");
  }

  @Test
  void register_twice_isRejected() {
    GuavaListener listener = new GuavaListener();
    bus.register(listener);
    assertThatThrownBy(() -> bus.register(listener))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already registered");
  }

  @Test
  void register_badListeners_areRejectedWithReasons() {
    assertThatThrownBy(() -> bus.register(new NoMethods()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no method annotated");
    assertThatThrownBy(() -> bus.register(new TwoParameters()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("takes 2 parameters");
  }

  @Test
  void handlers_areGeneratedLambdas_notReflection() {
    List<ListenerMethods.Method> methods = ListenerMethods.of(new GuavaListener());
    assertThat(methods).allSatisfy(m ->
        assertThat(m.handler().getClass().getName()).contains("$$Lambda"));
    assertThat(methods).filteredOn(ListenerMethods.Method::concurrent).hasSize(1);
  }

  /** Counts calls that overlap another call of the same method. */
  static final class OverlapCounter {
    final java.util.concurrent.atomic.AtomicInteger inside =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger overlaps =
        new java.util.concurrent.atomic.AtomicInteger();

    void call() {
      if (inside.incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      for (int i = 0; i < 100; i++) {
        Thread.onSpinWait();
      }
      inside.decrementAndGet();
    }
  }

  /** Two methods, neither marked concurrent: each must run on one thread at a time. */
  public static class NotThreadSafe {
    final OverlapCounter guava = new OverlapCounter();
    final OverlapCounter ours = new OverlapCounter();

    @com.google.common.eventbus.Subscribe
    public void onGuava(String event) {
      guava.call();
    }

    @Subscribe
    public void onOurs(Integer event) {
      ours.call();
    }
  }

  @Test
  void register_methodNotMarkedConcurrent_neverRunsOnTwoThreadsAtOnce() throws Exception {
    NotThreadSafe listener = new NotThreadSafe();
    try (EventBus bus = EventBus.builder().name("serialised").workers(2).build()) {
      bus.register(listener);
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      List<Thread> publishers = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        boolean sync = t % 2 == 0;
        Thread publisher = new Thread(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < 5_000; i++) {
            if (sync) {
              bus.publishSync("s");
              bus.publishSync(i);
            } else {
              bus.publish("a");
              bus.publish(i);
            }
          }
        });
        publisher.start();
        publishers.add(publisher);
      }
      go.countDown();
      for (Thread publisher : publishers) {
        publisher.join();
      }
    }
    assertThat(listener.guava.overlaps).hasValue(0);
    assertThat(listener.ours.overlaps).hasValue(0);
  }

  /** Parks each call until a second call runs at the same time. */
  public static class MeetsItself {
    final java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);

    @com.google.common.eventbus.Subscribe
    @AllowConcurrentEvents
    public void on(String event) throws Exception {
      both.await(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void register_methodMarkedConcurrent_runsOnTwoThreadsAtOnce() throws Exception {
    MeetsItself listener = new MeetsItself();
    try (EventBus bus = EventBus.builder().name("parallel").build()) {
      bus.register(listener);
      Thread other = new Thread(() -> bus.publishSync("other"));
      other.start();
      bus.publishSync("this"); // returns only if the other call ran at the same time
      other.join();
    }
    assertThat(listener.both.isBroken()).isFalse();
  }
}
