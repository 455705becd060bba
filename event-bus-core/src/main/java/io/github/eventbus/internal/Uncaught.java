package io.github.eventbus.internal;

/**
 * Hands an {@link Error} thrown by user code to the current thread's uncaught-exception handler,
 * as the thread's end would, on a thread that must go on (a consumer, a watcher, a client's
 * thread). Not part of the API.
 *
 * <p><b>Thread-safety:</b> stateless; thread-safe.
 */
public final class Uncaught {

  private Uncaught() {}

  /**
   * Gives {@code error} to the current thread's uncaught-exception handler; if the handler itself
   * throws, says so in {@code failures}.
   *
   * @param error the Error
   * @param failures where a failing handler is reported
   */
  public static void handOn(Error error, RateLimitedLog failures) {
    Thread me = Thread.currentThread();
    try {
      me.getUncaughtExceptionHandler().uncaughtException(me, error);
    } catch (Throwable handlerFailure) { // even an Error: the calling thread must go on
      failures.warn("uncaught-exception handler", "the uncaught-exception handler of {} threw {};"
          + " the Error it was given: {}", me.getName(), handlerFailure.toString(),
          error.toString());
    }
  }
}
