package io.github.eventbus;

/**
 * Receives every exception thrown by a handler, once per failed attempt.
 *
 * <p>The default, used unless {@link EventBusBuilder#exceptionHandler} sets another, logs at WARN
 * through SLF4J with the bus name, subscriber, event id and type, attempt and the exception; never
 * the payload. An exception thrown by this handler itself is logged and goes no further.
 *
 * <p><b>Thread-safety:</b> called concurrently from any thread that delivers events; implementations
 * must be thread-safe.
 */
@FunctionalInterface
public interface SubscriberExceptionHandler {

  /**
   * Handles a handler's exception.
   *
   * @param exception what the handler threw
   * @param context where it happened
   */
  void handleException(Throwable exception, SubscriberExceptionContext context);
}
