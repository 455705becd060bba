package io.github.eventbus.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import io.github.eventbus.TypeNames;
import io.github.eventbus.TypePattern;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Promises of {@link TypeNames}, {@link EventType} and {@link DynamicEvent}. */
class TypeNamePromisesTest {

  /** A class named with a non-ASCII letter, as Java allows. */
  static final class Caf\u00e9Ordered {}

  @EventType("shop.order")
  static class Order {}

  static final class RushOrder extends Order {}

  @EventType("bad..name")
  static final class Malformed {}

  /**
   * As TypeNames documents: a binary name outside the grammar stays the class's name, no pattern
   * can name it (subscribing to it is refused), and subscribing by class still delivers it.
   */
  @Test
  void typeNameOfAClassWithANonAsciiName_isItsBinaryName_refusedAsAPattern_deliveredByClass() {
    String name = TypeNames.of(Caf\u00e9Ordered.class);
    assertThat(name).isEqualTo(Caf\u00e9Ordered.class.getName());
    assertThat(TypeNames.isValid(name)).as(name).isFalse();
    List<Event<?>> seen = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().build()) {
      assertThatThrownBy(() -> bus.subscribe(name, e -> { }))
          .isInstanceOf(IllegalArgumentException.class);
      bus.subscribeEnvelope(Caf\u00e9Ordered.class, seen::add);
      bus.publishSync(new Caf\u00e9Ordered());
    }
    assertThat(seen).singleElement().satisfies(e -> assertThat(e.type()).isEqualTo(name));
  }

  @Test
  void eventTypeAnnotation_isNotInherited_subclassMatchesClassSubscriptionsOnly() {
    List<String> byPattern = new CopyOnWriteArrayList<>();
    List<Order> byClass = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe("shop.order", e -> byPattern.add(e.type()));
      bus.subscribe(Order.class, byClass::add);
      bus.publishSync(new Order());
      bus.publishSync(new RushOrder());
    }
    assertThat(TypeNames.of(RushOrder.class)).isEqualTo(RushOrder.class.getName());
    assertThat(byPattern).containsExactly("shop.order");
    assertThat(byClass).hasSize(2);
  }

  @Test
  void malformedEventTypeAnnotation_failsThePublishNamingClassAndProblem() {
    assertThatThrownBy(() -> TypeNames.of(Malformed.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad..name").hasMessageContaining(Malformed.class.getName());
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe(Object.class, o -> {});
      assertThatThrownBy(() -> bus.publishSync(new Malformed()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad..name");
      assertThatThrownBy(() -> bus.publish(new Malformed()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad..name");
      assertThat(bus.metrics().totals().published()).isZero();
    }
  }

  @Test
  void typeNames_grammarBounds() {
    assertThat(TypeNames.isValid("a".repeat(255))).isTrue();
    assertThat(TypeNames.isValid("a".repeat(256))).isFalse();
    assertThat(TypeNames.isValid("com.acme.Order$Placed")).isTrue();
    assertThat(TypeNames.isValid("a-b_c.D9")).isTrue();
    for (String bad : new String[] {"", ".a", "a.", "a..b", "a b", "a*", "a/b", "\u00e9"}) {
      assertThat(TypeNames.isValid(bad)).as("'%s'", bad).isFalse();
    }
    assertThat(TypeNames.isValid(null)).isFalse();
    assertThat(TypeNames.of(DynamicEvent.of("x.y", Map.of()))).isEqualTo("x.y");
    assertThat(TypeNames.of((Object) Event.builder(DynamicEvent.of("x.z", Map.of())).id("i")
        .timestamp(java.time.Instant.EPOCH).build())).isEqualTo("x.z");
  }

  @Test
  void dynamicEvent_copiesData_keepsOrder_allowsNullValues_refusesNullKeysAndBadTypes() {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("z", 1);
    data.put("a", null);
    data.put("m", "v");
    DynamicEvent event = DynamicEvent.of("deployment", data);
    data.put("late", "x");
    assertThat(event.data().keySet()).containsExactly("z", "a", "m");
    assertThat(event.get("a")).isNull();
    assertThatThrownBy(() -> event.data().put("k", "v"))
        .isInstanceOf(UnsupportedOperationException.class);
    Map<String, Object> nullKey = new HashMap<>();
    nullKey.put(null, 1);
    assertThatThrownBy(() -> DynamicEvent.of("t", nullKey)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> DynamicEvent.of("bad name", Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad name");
    assertThatThrownBy(() -> DynamicEvent.of(null, Map.of()))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void dynamicEvent_matchesPatternsByItsName_andClassSubscribersOfDynamicEventGetAll() {
    List<String> byPattern = new CopyOnWriteArrayList<>();
    List<String> byClass = new CopyOnWriteArrayList<>();
    List<String> annotated = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe("shop.*", e -> byPattern.add(e.type()));
      bus.subscribe(DynamicEvent.class, d -> byClass.add(d.type()));
      bus.subscribe(Order.class, o -> annotated.add("order"));
      bus.publishSync(DynamicEvent.of("shop.order", Map.of()));
      bus.publishSync(DynamicEvent.of("billing.paid", Map.of()));
      bus.publishSync(new Order());
    }
    assertThat(byPattern).containsExactly("shop.order", "shop.order");
    assertThat(byClass).containsExactly("shop.order", "billing.paid");
    assertThat(annotated).containsExactly("order");
    assertThat(TypePattern.compile("shop.order").matches(TypeNames.of(Order.class))).isTrue();
  }
}
