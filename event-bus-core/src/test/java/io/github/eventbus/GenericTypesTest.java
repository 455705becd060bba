package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.reflect.TypeToken;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GenericTypesTest {

  record Order(String id) {}

  record Invoice(String number) {}

  static class Envelope<T> {
    final T body;

    Envelope(T body) {
      this.body = body;
    }
  }

  /** Declares its type argument, so it is known to be an Envelope<Order> at run time. */
  static final class OrderEnvelope extends Envelope<Order> {
    OrderEnvelope(Order body) {
      super(body);
    }
  }

  static final class Strings extends ArrayList<String> {}

  private final List<String> got = new CopyOnWriteArrayList<>();
  private final EventBus bus = EventBus.builder().build();

  @AfterEach
  void close() {
    bus.close();
  }

  private void subscribeAll() {
    bus.subscribe(new TypeToken<Envelope<Order>>() {}, e -> got.add("orders:" + e.body.id()));
    bus.subscribe(new TypeToken<Envelope<Invoice>>() {}, e -> got.add("invoices:" + e.body.number()));
    bus.subscribe(new TypeToken<Envelope<? extends Record>>() {}, e -> got.add("records"));
    bus.subscribe(Envelope.class, e -> got.add("raw"));
  }

  @Test
  void declaredTypeArguments_reachOnlyMatchingSubscribers() {
    subscribeAll();

    bus.publishSync(new OrderEnvelope(new Order("o1")));

    assertThat(got).containsExactlyInAnyOrder("orders:o1", "records", "raw");
  }

  @Test
  void statedTypeArguments_reachOnlyMatchingSubscribers() {
    subscribeAll();

    bus.publishSync(new Envelope<>(new Invoice("i1")), new TypeToken<Envelope<Invoice>>() {});

    assertThat(got).containsExactlyInAnyOrder("invoices:i1", "records", "raw");
  }

  /** Listener methods, with the payload and with its envelope. */
  static final class OrderListener {
    final List<String> got = new CopyOnWriteArrayList<>();

    @Subscribe
    public void orders(Envelope<Order> e) {
      got.add("orders:" + e.body.id());
    }

    @Subscribe
    public void orderEnvelopes(Event<Envelope<Order>> e) {
      got.add("event-orders:" + e.payload().body.id());
    }

    @Subscribe
    public void anyEnvelopes(Event<? extends Envelope<?>> e) {
      got.add("event-any");
    }
  }

  @Test
  void listenerMethods_withEnvelopeOrPayloadParameters_areMatchedTheSameWay() {
    // Regression: Event<Envelope<Order>> was reduced to Event<Envelope>, so an Envelope<Invoice>
    // reached it and failed with a ClassCastException inside the method.
    OrderListener listener = new OrderListener();
    bus.register(listener);

    bus.publishSync(new Envelope<>(new Invoice("i1")), new TypeToken<Envelope<Invoice>>() {});
    bus.publishSync(new Envelope<>(new Invoice("i2")));
    bus.publishSync(new OrderEnvelope(new Order("o1")));

    assertThat(listener.got)
        // Envelope<?> is every Envelope, erased or not: it gets all three.
        .containsExactlyInAnyOrder("event-any", "event-any", "orders:o1", "event-orders:o1",
            "event-any");
    assertThat(bus.metrics().totals().failed()).isZero();
  }

  @Test
  void aTypeOfOnlyUnboundedWildcards_isItsRawClass_soErasedEventsReachIt() {
    bus.subscribe(new TypeToken<Envelope<?>>() {}, e -> got.add("any"));
    bus.subscribe(new TypeToken<Envelope<? extends Record>>() {}, e -> got.add("records"));

    bus.publishSync(new Envelope<>(new Invoice("i1")));

    assertThat(got).containsExactly("any"); // a bounded wildcard still needs to be known

    got.clear();
    bus.subscribe(new TypeToken<Envelope<?>[]>() {}, e -> got.add("array of any " + e.length));
    bus.publishSync(new Envelope<?>[] {new Envelope<>(new Invoice("i2"))});
    assertThat(got).containsExactly("array of any 1");
  }

  static class Measure<N extends Number> {
    final N value;

    Measure(N value) {
      this.value = value;
    }
  }

  static class Outer<T> {
    class Inner<U> {}
  }

  /**
   * Types every instance of their class is: a wildcard bounded exactly as its type variable
   * ({@code Measure<? extends Number>}), and an inner class of a wildcard owner
   * ({@code Outer<?>.Inner<?>}). Erased events reach them as they reach the raw class.
   */
  @Test
  void typesThatAdmitEveryInstanceOfTheirClass_areTheRawClass() {
    bus.subscribe(new TypeToken<Measure<? extends Number>>() {}, m -> got.add("numbers"));
    bus.subscribe(new TypeToken<Measure<? extends Integer>>() {}, m -> got.add("integers"));
    bus.subscribe(new TypeToken<Outer<?>.Inner<?>>() {}, i -> got.add("inner"));
    bus.subscribe(new TypeToken<Outer<String>.Inner<?>>() {}, i -> got.add("inner of strings"));

    bus.publishSync(new Measure<>(1.5));
    bus.publishSync(new Outer<String>().new Inner<Integer>());

    // a tighter bound, or a known owner argument, still needs its type known
    assertThat(got).containsExactly("numbers", "inner");
  }

  @Test
  void erasedEvent_reachesOnlyRawSubscribers_neverAWrongHandler() {
    subscribeAll();

    // Without a stated type an Envelope<Invoice> is just an Envelope: no parameterised handler
    // may receive it, or the Envelope<Order> handler would fail with a ClassCastException.
    bus.publishSync(new Envelope<>(new Invoice("i1")));

    assertThat(got).containsExactly("raw");
  }

  @Test
  void erasedEvent_withNoOtherSubscriber_becomesDeadEvent() {
    List<DeadEvent> dead = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadEvent.class, dead::add);
    bus.subscribe(new TypeToken<Envelope<Order>>() {}, e -> got.add("orders"));

    bus.publishSync(new Envelope<>(new Order("o1")));

    assertThat(got).isEmpty();
    assertThat(dead).hasSize(1);
  }

  @Test
  void statedTypeThatDoesNotFit_isRejected() {
    assertThatThrownBy(() -> bus.publish("text", new TypeToken<Envelope<Order>>() {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not fit the event");
  }

  /** A Guava-style listener whose methods differ only in type arguments. */
  static final class ListListener {
    final List<String> got = new CopyOnWriteArrayList<>();

    @Subscribe
    void strings(List<String> strings) {
      got.add("strings:" + String.join(",", strings));
    }

    @Subscribe
    void numbers(List<Integer> numbers) {
      got.add("numbers:" + numbers.stream().mapToInt(Integer::intValue).sum()); // CCE if wrong
    }
  }

  @Test
  void subscribeMethods_withParameterisedParameters_areMatchedByTypeArguments() {
    ListListener listener = new ListListener();
    bus.register(listener);

    Strings strings = new Strings();
    strings.add("a");
    strings.add("b");
    bus.publishSync(strings);
    bus.publishSync(List.of(1, 2, 3), new TypeToken<List<Integer>>() {});

    assertThat(listener.got).containsExactly("strings:a,b", "numbers:6");
  }
}
