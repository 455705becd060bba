package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.reflect.TypeToken;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A stated generic type must agree with the type arguments the event's class declares. */
class StatedTypeTest {

  record Order(String id) {}

  static class Box<T> {}

  /** Declares Box<Order>. */
  static final class OrderBox extends Box<Order> {}

  /** Declares its key type only. */
  static final class ByName<V> extends HashMap<String, V> {}

  static final class Orders extends ArrayList<Order> {}

  @Test
  void publish_statedTypeContradictsDeclaredArguments_rejectedWithReason() {
    List<Object> got = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("stated").build()) {
      bus.subscribe(new TypeToken<Box<String>>() {}, got::add);

      assertThatThrownBy(() -> bus.publish(new OrderBox(), new TypeToken<Box<String>>() {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("contradicts")
          .hasMessageContaining(OrderBox.class.getName())
          .hasMessageContaining("Order");
      assertThatThrownBy(() -> bus.publishSync(new Orders(), new TypeToken<List<String>>() {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("type argument 1");
      assertThat(got).isEmpty();
      assertThat(bus.metrics().totals().published()).isZero();
    }
  }

  @Test
  void publish_statedTypeAgreesOrFillsOpenArguments_accepted() {
    List<Object> got = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("stated-ok").build()) {
      bus.subscribe(new TypeToken<Box<Order>>() {}, got::add);
      bus.subscribe(new TypeToken<Map<String, Integer>>() {}, got::add);
      bus.subscribe(new TypeToken<Box<String>>() {}, got::add);

      bus.publishSync(new OrderBox(), new TypeToken<Box<Order>>() {});
      bus.publishSync(new OrderBox(), new TypeToken<Box<? extends Record>>() {});
      bus.publishSync(new ByName<Integer>(), new TypeToken<Map<String, Integer>>() {});
      bus.publishSync(new Box<String>(), new TypeToken<Box<String>>() {});

      // Box<? extends Record> is accepted, but is no Box<Order>: no subscriber for it.
      assertThat(got).hasSize(3);
      assertThat(bus.metrics().totals().published()).isEqualTo(4);
    }
  }

  @Test
  void publish_statedTypeContradictsDeclaredKeyOfPartlyOpenClass_rejected() {
    try (EventBus bus = EventBus.builder().name("stated-partial").build()) {
      assertThatThrownBy(() -> bus.publishSync(new ByName<Integer>(),
          new TypeToken<Map<Integer, Integer>>() {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("contradicts");
    }
  }

  /** Declares a key type that is itself generic in an open variable. */
  static final class Index<T> extends HashMap<List<T>, String> {}

  @Test
  void publish_statedTypeContradictsPartlyOpenDeclaredArgument_rejected() {
    List<Throwable> inHandler = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("stated-nested")
        .exceptionHandler((e, c) -> inHandler.add(e)).build()) {
      bus.subscribe(new TypeToken<Map<Set<Integer>, String>>() {}, m -> m.keySet()
          .forEach(Set::size));
      Index<Integer> index = new Index<>();
      index.put(List.of(1), "one");

      assertThatThrownBy(() -> bus.publishSync(index,
          new TypeToken<Map<Set<Integer>, String>>() {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("contradicts")
          .hasMessageContaining("type argument 1 is java.util.List<T>");
      assertThatThrownBy(() -> bus.publishSync(index,
          new TypeToken<Map<? extends Set<Integer>, String>>() {}))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(inHandler).isEmpty();
    }
  }

  @Test
  void publish_statedTypeFillsVariableInsideDeclaredArgument_accepted() {
    List<Object> got = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("stated-nested-ok").build()) {
      bus.subscribe(new TypeToken<Map<List<Integer>, String>>() {}, got::add);

      bus.publishSync(new Index<Integer>(), new TypeToken<Map<List<Integer>, String>>() {});
      bus.publishSync(new Index<Integer>(), new TypeToken<Map<? extends List<Integer>, String>>() {});

      assertThat(got).hasSize(1);
    }
  }
}
