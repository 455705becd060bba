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
 * <p>{@link #capture()} runs at {@link EventBus#publish(Object)}; on the worker, just before each
 * attempt of each handler, {@link #restore(Object)} runs if something was captured and
 * {@link #clear()} if nothing was, so every delivery starts from the publisher's context and never
 * from what an earlier handler left on the worker; the returned action runs just after the
 * attempt, so the worker is left as it was. {@link EventBus#publishSync(Object)} runs handlers on
 * the publishing thread, where the context already is, so it captures nothing. Exceptions from a
 * propagator are logged and ignored; an {@code Error} follows the bus's failure rule (see the
 * package guide).
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
   * Empties the current thread's context, for a delivery whose publisher had none. The default
   * does nothing; override it if handlers may leave context behind on a worker.
   *
   * @return the action that puts the thread back as it was
   */
  default Runnable clear() {
    return () -> {};
  }

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
