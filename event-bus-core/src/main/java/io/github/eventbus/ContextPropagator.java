package io.github.eventbus;

/**
 * Carries thread-bound context (a trace id, a security principal, logging context) from the
 * thread that publishes to the thread that runs the handler. Registered with
 * {@link EventBusBuilder#contextPropagator(ContextPropagator)}; SLF4J's MDC is carried by default
 * ({@link EventBusBuilder#propagateMdc(boolean)}).
 *
 * <pre>{@code
 * ContextPropagator traces = new ContextPropagator() {
 *   public Object capture() { return TRACE.get(); }
 *   public Runnable restore(Object traceId) {
 *     String before = TRACE.get();
 *     TRACE.set((String) traceId);
 *     return () -> TRACE.set(before);
 *   }
 * };
 * }</pre>
 *
 * <p>{@link #capture()} runs at {@link EventBus#publish(Object)}; {@link #restore(Object)} runs on
 * the worker just before each attempt of each handler, and the returned action just after it, so
 * the worker is left as it was. {@link EventBus#publishSync(Object)} runs handlers on the
 * publishing thread, where the context already is, so it captures nothing. Exceptions from a
 * propagator are logged and ignored.
 *
 * <p><b>Thread-safety:</b> called concurrently from any publishing and delivering thread;
 * implementations must be thread-safe.
 */
public interface ContextPropagator {

  /**
   * Captures the current thread's context.
   *
   * @return the context, or {@code null} if there is none to carry
   */
  Object capture();

  /**
   * Installs a captured context on the current thread.
   *
   * @param captured what {@link #capture()} returned (never {@code null})
   * @return the action that puts the thread back as it was
   */
  Runnable restore(Object captured);

  /**
   * Returns the propagator of SLF4J's MDC: the publisher's MDC map replaces the worker's around the
   * handler, and the worker's is put back afterwards.
   *
   * @return the MDC propagator
   */
  static ContextPropagator mdc() {
    return MdcPropagator.INSTANCE;
  }
}
