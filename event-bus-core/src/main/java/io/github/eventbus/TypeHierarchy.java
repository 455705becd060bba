package io.github.eventbus;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Every class and interface an event class can be assigned to, each once; cached per class. For
 * an array of references that includes the arrays of its component's supertypes ({@code String[]}
 * is an {@code Object[]} and a {@code CharSequence[]}), which the class's own superclass and
 * interfaces do not name.
 */
final class TypeHierarchy {

  private static final ClassValue<Class<?>[]> SUPERTYPES =
      new ClassValue<>() {
        @Override
        protected Class<?>[] computeValue(Class<?> type) {
          Set<Class<?>> all = new LinkedHashSet<>();
          Deque<Class<?>> todo = new ArrayDeque<>();
          todo.add(type);
          while (!todo.isEmpty()) {
            Class<?> next = todo.poll();
            if (all.add(next)) {
              if (next.getSuperclass() != null) {
                todo.add(next.getSuperclass());
              }
              todo.addAll(java.util.Arrays.asList(next.getInterfaces()));
            }
          }
          Class<?> component = type.getComponentType();
          if (component != null && !component.isPrimitive()) {
            for (Class<?> supertype : SUPERTYPES.get(component)) {
              all.add(supertype.arrayType());
            }
            // An interface's hierarchy holds no Object, but a Runnable[] is an Object[].
            all.add(Object[].class);
          }
          return all.toArray(new Class<?>[0]);
        }
      };

  private TypeHierarchy() {}

  static Class<?>[] of(Class<?> type) {
    return SUPERTYPES.get(type);
  }
}
