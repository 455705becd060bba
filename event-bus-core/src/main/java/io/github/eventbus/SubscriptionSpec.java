package io.github.eventbus;

import com.google.common.reflect.TypeToken;
import java.util.function.Predicate;

/**
 * Everything a subscription is made of, handed over in one piece by {@link SubscriptionBuilder},
 * {@link EventBus#register(Object)} and the typed {@code subscribe} methods.
 *
 * @param type the subscribed class, or null for a pattern
 * @param generic the parameterised type, or null
 * @param pattern the type pattern, or null for a class
 * @param name the given name, or null for a generated one
 * @param priority higher first
 * @param filter the predicate over the payload, or null
 * @param retry the retry policy
 * @param concurrent whether the handler may run on several threads at once
 * @param envelope whether the handler takes the envelope
 * @param handler the handler
 * @param listener the object given to register(), or null
 * @param method the listener's {@code @Subscribe} method, or null
 */
record SubscriptionSpec(
    Class<?> type, TypeToken<?> generic, TypePattern pattern, String name, int priority,
    Predicate<Object> filter, RetryPolicy retry, boolean concurrent, boolean envelope,
    EventHandler<Object> handler, Object listener, java.lang.reflect.Method method) {

  /** A plain subscription with default options. */
  static SubscriptionSpec of(Class<?> type, TypeToken<?> generic, EventHandler<Object> handler) {
    return new SubscriptionSpec(type, generic, null, null, 0, null, RetryPolicy.none(), false,
        false, handler, null, null);
  }

  /** What the subscription receives, for names and introspection. */
  String subscribedTo() {
    if (generic != null) {
      return generic.toString();
    }
    return type != null ? TypeNames.of(type) : pattern.pattern();
  }
}
