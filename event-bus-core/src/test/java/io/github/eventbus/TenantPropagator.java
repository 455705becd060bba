package io.github.eventbus;

/**
 * A user-defined {@link ContextPropagator} for tests: carries a tenant name in a thread-local,
 * and empties it for a delivery whose publisher had none.
 */
final class TenantPropagator implements ContextPropagator {

  final ThreadLocal<String> tenant = new ThreadLocal<>();

  @Override
  public Object capture() {
    return tenant.get();
  }

  @Override
  public Runnable restore(Object captured) {
    String before = tenant.get();
    tenant.set((String) captured);
    return () -> tenant.set(before);
  }

  @Override
  public Runnable clear() {
    String before = tenant.get();
    tenant.remove();
    return () -> tenant.set(before);
  }
}
