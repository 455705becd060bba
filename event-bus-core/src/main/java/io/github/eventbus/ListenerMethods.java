package io.github.eventbus;

import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.UndeclaredThrowableException;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the {@code @Subscribe} methods of a listener (ours or Guava's) and turns each into an
 * {@link EventHandler} through {@link LambdaMetafactory}, so a call costs an interface call rather
 * than a reflective {@code Method.invoke}. Where the JVM refuses a generated lambda (a listener in
 * another named module), a bound {@link MethodHandle} is used instead.
 */
final class ListenerMethods {

  private static final String GUAVA_SUBSCRIBE = "com.google.common.eventbus.Subscribe";
  private static final String GUAVA_CONCURRENT = "com.google.common.eventbus.AllowConcurrentEvents";

  record Method(
      Class<?> type, com.google.common.reflect.TypeToken<?> generic, boolean envelope,
      EventHandler<Object> handler, int priority, boolean concurrent, String name,
      java.lang.reflect.Method reflected) {}

  private ListenerMethods() {}

  static List<Method> of(Object listener) {
    Map<String, java.lang.reflect.Method> found = new LinkedHashMap<>();
    for (Class<?> c : TypeHierarchy.of(listener.getClass())) {
      for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
        if (!m.isSynthetic() && !m.isBridge() && isSubscriber(m)) {
          found.putIfAbsent(m.getName() + java.util.Arrays.toString(m.getParameterTypes()), m);
        }
      }
    }
    if (found.isEmpty()) {
      throw new IllegalArgumentException("listener " + listener.getClass().getName()
          + " has no method annotated with @Subscribe; annotate its handler methods, or use"
          + " bus.subscribe(type, handler)");
    }
    List<Method> methods = new ArrayList<>();
    for (java.lang.reflect.Method m : found.values()) {
      methods.add(toMethod(listener, m));
    }
    return methods;
  }

  private static boolean isSubscriber(java.lang.reflect.Method m) {
    if (m.isAnnotationPresent(Subscribe.class)) {
      return true;
    }
    for (var a : m.getAnnotations()) {
      if (a.annotationType().getName().equals(GUAVA_SUBSCRIBE)) {
        return true;
      }
    }
    return false;
  }

  private static Method toMethod(Object listener, java.lang.reflect.Method m) {
    String label = m.getDeclaringClass().getSimpleName() + "." + m.getName();
    if (Modifier.isStatic(m.getModifiers())) {
      throw new IllegalArgumentException("@Subscribe method " + label + " is static; subscriber"
          + " methods must be instance methods");
    }
    if (m.getParameterCount() != 1) {
      throw new IllegalArgumentException("@Subscribe method " + label + " takes "
          + m.getParameterCount() + " parameters; subscriber methods take exactly one, the event");
    }
    Class<?> parameter = m.getParameterTypes()[0];
    if (parameter.isPrimitive()) {
      throw new IllegalArgumentException("@Subscribe method " + label + " takes a primitive "
          + parameter + "; events are objects");
    }
    boolean envelope = parameter == Event.class;
    Type payloadType = envelope
        ? envelopePayloadType(m.getGenericParameterTypes()[0])
        : m.getGenericParameterTypes()[0];
    Class<?> type = envelope ? com.google.common.reflect.TypeToken.of(payloadType).getRawType()
        : parameter;
    Subscribe ours = m.getAnnotation(Subscribe.class);
    boolean concurrent = ours != null ? ours.concurrent() : hasGuavaConcurrent(m);
    int priority = ours != null ? ours.priority() : 0;
    // A parameter such as List<Order>, or Event<List<Order>>, only receives events known to be
    // List<Order>.
    com.google.common.reflect.TypeToken<?> generic =
        GenericTypes.parameterised(com.google.common.reflect.TypeToken.of(payloadType));
    EventHandler<Object> handler = handler(listener, m, parameter);
    return new Method(type, generic, envelope, concurrent ? handler : serialised(handler), priority,
        concurrent, label + "(" + parameter.getSimpleName() + ")", m);
  }

  /**
   * As in Guava: a method not marked concurrent runs on one thread at a time, whichever way its
   * events come (the queue already serialises them; concurrent {@code publishSync} calls do not).
   */
  private static EventHandler<Object> serialised(EventHandler<Object> handler) {
    Object lock = new Object();
    return event -> {
      synchronized (lock) {
        handler.handle(event);
      }
    };
  }

  private static boolean hasGuavaConcurrent(java.lang.reflect.Method m) {
    for (var a : m.getAnnotations()) {
      if (a.annotationType().getName().equals(GUAVA_CONCURRENT)) {
        return true;
      }
    }
    return false;
  }

  /** The payload type of an {@code Event<T>} parameter: a class or a parameterised type. */
  private static Type envelopePayloadType(Type type) {
    if (type instanceof ParameterizedType p) {
      Type argument = p.getActualTypeArguments()[0];
      if (argument instanceof WildcardType w) {
        argument = w.getUpperBounds()[0];
      }
      if (argument instanceof Class<?> || argument instanceof ParameterizedType) {
        return argument;
      }
    }
    return Object.class;
  }

  @SuppressWarnings("unchecked")
  private static EventHandler<Object> handler(
      Object listener, java.lang.reflect.Method m, Class<?> parameter) {
    MethodHandle target;
    MethodHandles.Lookup lookup;
    try {
      lookup = MethodHandles.privateLookupIn(m.getDeclaringClass(), MethodHandles.lookup());
      target = lookup.unreflect(m);
    } catch (IllegalAccessException | RuntimeException e) {
      throw new IllegalArgumentException("cannot access @Subscribe method " + m + "; if the"
          + " listener is in a named module, open its package to io.github.eventbus", e);
    }
    try {
      return (EventHandler<Object>) LambdaMetafactory.metafactory(lookup, "handle",
              MethodType.methodType(EventHandler.class, m.getDeclaringClass()),
              MethodType.methodType(void.class, Object.class),
              target,
              MethodType.methodType(void.class, parameter))
          .getTarget()
          .invoke(listener);
    } catch (Throwable generatedLambdaRefused) {
      MethodHandle bound =
          target.bindTo(listener).asType(MethodType.methodType(void.class, Object.class));
      return event -> {
        try {
          bound.invokeExact(event);
        } catch (Exception | Error e) {
          throw e;
        } catch (Throwable t) {
          throw new UndeclaredThrowableException(t);
        }
      };
    }
  }
}
