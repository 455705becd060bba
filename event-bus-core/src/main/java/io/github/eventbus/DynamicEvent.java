package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An event without a class of its own: a type name and a map of data, as events arrive from JSON
 * (webhooks, the audit log) or from code that has no event class.
 *
 * <pre>{@code
 * bus.publish(DynamicEvent.of("deployment", Map.of("service", "api", "status", "success")));
 * bus.subscribe("deployment", event -> ...);
 * }</pre>
 *
 * <p>Its {@linkplain TypeNames type name} is {@link #type()}, so pattern subscriptions match it
 * exactly like a class annotated with that name; class subscriptions to {@code DynamicEvent}
 * receive all of them.
 *
 * <p><b>Thread-safety:</b> immutable. The data map is copied into an unmodifiable map that keeps
 * the given iteration order; values are stored as given (null values are allowed, as in JSON) and
 * should themselves be immutable.
 *
 * @param type the event's type name
 * @param data the event's data
 */
public record DynamicEvent(String type, Map<String, Object> data) {

  /**
   * Creates a dynamic event.
   *
   * @param type the event's type name
   * @param data the event's data
   * @throws IllegalArgumentException if {@code type} is not a valid
   *     {@linkplain TypeNames type name} or is {@linkplain TypeNames#isReserved reserved}
   * @throws NullPointerException if {@code type}, {@code data} or a key of {@code data} is null
   */
  public DynamicEvent {
    TypeNames.requireEventName(type);
    requireNonNull(data, "data");
    Map<String, Object> copy = new LinkedHashMap<>(Math.max(4, data.size() * 4 / 3 + 1));
    for (Map.Entry<String, Object> entry : data.entrySet()) {
      copy.put(requireNonNull(entry.getKey(), "a key of data is null"), entry.getValue());
    }
    data = Collections.unmodifiableMap(copy);
  }

  /**
   * Creates a dynamic event.
   *
   * @param type the event's type name
   * @param data the event's data, copied
   * @return the event
   * @throws IllegalArgumentException if {@code type} is not a valid
   *     {@linkplain TypeNames type name} or is {@linkplain TypeNames#isReserved reserved}
   */
  public static DynamicEvent of(String type, Map<String, ?> data) {
    @SuppressWarnings("unchecked")
    Map<String, Object> values = (Map<String, Object>) requireNonNull(data, "data");
    return new DynamicEvent(type, values);
  }

  /**
   * Returns one value of the data.
   *
   * @param key the key
   * @return the value, or {@code null} if absent
   */
  public Object get(String key) {
    return data.get(key);
  }
}
