package io.github.eventbus;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Finding the field handles of the bus's lock-free parts, in their static initialisers. */
final class VarHandles {

  private VarHandles() {
  }

  /**
   * The handle of field {@code name} of {@code owner}, found with {@code lookup} (the caller's,
   * for private access); a missing field is a build error, so it fails the class's initialisation.
   */
  static VarHandle field(MethodHandles.Lookup lookup, Class<?> owner, String name,
      Class<?> type) {
    try {
      return lookup.findVarHandle(owner, name, type);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
