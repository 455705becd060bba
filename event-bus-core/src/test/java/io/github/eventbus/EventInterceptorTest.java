package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class EventInterceptorTest {

  record Ping(int n) {}

  /** Records every call under a label. */
  static final class Recorder implements EventInterceptor {
    final String label;
    final List<String> calls;

    Recorder(String label, List<String> calls) {
      this.label = label;
      this.calls = calls;
    }

    @Override
    public Event<?> onPublish(Event<?> event) {
      calls.add(label + ".onPublish");
      return event.withMetadata(event.metadata().withHeader("seen-by-" + label, "yes"));
    }

    @Override
    public Optional<String> beforeDelivery(Event<?> event, Subscription subscription) {
      calls.add(label + ".before(" + subscription.name() + ")");
      return Optional.empty();
    }

    @Override
    public void afterDelivery(Event<?> event, Subscription subscription, Throwable failure) {
      calls.add(label + ".after(" + subscription.name() + (failure == null ? ")" : ", failed)"));
    }
  }

  @Test
  void interceptors_runInOrder_aroundPublishAndEachDelivery_andEnrichMetadata() {
    List<String> calls = new CopyOnWriteArrayList<>();
    List<Event<?>> seen = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().exceptionHandler((e, c) -> {})
        .interceptor(new Recorder("a", calls)).interceptor(new Recorder("b", calls)).build()) {
      bus.on(Ping.class).name("s1").priority(1).subscribeEnvelope(e -> {
        calls.add("handler s1");
        seen.add(e);
      });
      bus.on(Ping.class).name("s2").subscribe(p -> {
        throw new IllegalStateException("s2 fails");
      });

      bus.publishSync(new Ping(1));
    }
    assertThat(calls).containsExactly("a.onPublish", "b.onPublish",
        "a.before(s1)", "b.before(s1)", "handler s1", "a.after(s1)", "b.after(s1)",
        "a.before(s2)", "b.before(s2)", "a.after(s2, failed)", "b.after(s2, failed)");
    assertThat(seen.get(0).metadata().headers())
        .containsEntry("seen-by-a", "yes").containsEntry("seen-by-b", "yes");
  }

  @Test
  void veto_skipsTheDelivery_isCountedAndNotAFailure() {
    List<String> delivered = new CopyOnWriteArrayList<>();
    EventInterceptor evenOnly = new EventInterceptor() {
      @Override
      public Optional<String> beforeDelivery(Event<?> event, Subscription subscription) {
        return ((Ping) event.payload()).n() % 2 == 0 ? Optional.empty() : Optional.of("odd");
      }
    };
    try (EventBus bus = EventBus.builder().interceptor(evenOnly).build()) {
      bus.subscribe(Ping.class, p -> delivered.add("got " + p.n()));
      for (int i = 0; i < 4; i++) {
        bus.publishSync(new Ping(i));
      }
      DeliveryStats stats = bus.metrics().totals();
      assertThat(stats.vetoed()).isEqualTo(2);
      assertThat(stats.failed()).isZero();
      assertThat(stats.deadLettered()).isZero();
    }
    assertThat(delivered).containsExactly("got 0", "got 2");
  }

  @Test
  void throwingOrMisbehavingInterceptor_isIgnored_andDeliveryGoesOn() {
    List<Event<?>> seen = new CopyOnWriteArrayList<>();
    EventInterceptor broken = new EventInterceptor() {
      @Override
      public Event<?> onPublish(Event<?> event) {
        throw new IllegalStateException("interceptor bug");
      }

      @Override
      public Optional<String> beforeDelivery(Event<?> event, Subscription subscription) {
        throw new IllegalStateException("interceptor bug");
      }

      @Override
      public void afterDelivery(Event<?> event, Subscription subscription, Throwable failure) {
        throw new IllegalStateException("interceptor bug");
      }
    };
    EventInterceptor swapper = new EventInterceptor() {
      @Override
      public Event<?> onPublish(Event<?> event) {
        return Event.builder(new Ping(99)).id("other").timestamp(event.timestamp()).build();
      }
    };
    try (EventBus bus = EventBus.builder().interceptor(broken).interceptor(swapper).build()) {
      bus.subscribeEnvelope(Ping.class, seen::add);
      bus.publishSync(new Ping(1));
      assertThat(bus.metrics().totals().delivered()).isEqualTo(1);
    }
    assertThat(seen).singleElement().satisfies(e -> assertThat(e.payload()).isEqualTo(new Ping(1)));
  }
}
