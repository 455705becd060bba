package io.github.eventbus;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a listener object as a handler for {@link EventBus#register(Object)}.
 *
 * <p>The method takes exactly one parameter. Its type is the subscribed event class (instances of
 * subclasses and implementations are delivered too); a parameter of type
 * {@link Event Event&lt;T&gt;} receives the envelope of events of type {@code T}. A parameterised
 * type, such as {@code List<Order>} or {@code Event<List<Order>>}, receives only events known to
 * be of that type, as {@link EventBus#subscribe(com.google.common.reflect.TypeToken,
 * EventHandler)} does ({@code List<?>} is any {@code List}). The method may be private; it is
 * invoked through a generated lambda, not by reflection per event.
 *
 * <p>Guava's {@code com.google.common.eventbus.Subscribe} is accepted as well, and Guava's
 * {@code @AllowConcurrentEvents} is honoured as {@link #concurrent()}, so a Guava listener
 * migrates without changes.
 *
 * <p><b>Thread-safety:</b> an annotation; see {@link EventHandler} for how the bus calls the method.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Subscribe {

  /**
   * Delivery priority; higher values are delivered first. See {@link SubscriptionBuilder#priority(int)}.
   *
   * @return the priority, {@code 0} by default
   */
  int priority() default 0;

  /**
   * Whether the method may be called from several threads at once. See
   * {@link SubscriptionBuilder#concurrent()}. A method that is not (the default) is called by one
   * thread at a time, as Guava does for methods without {@code @AllowConcurrentEvents}: that holds
   * for {@link EventBus#publishSync(Object)} from several threads too, which wait for each other.
   *
   * @return {@code true} to opt into concurrent, unordered delivery
   */
  boolean concurrent() default false;
}
