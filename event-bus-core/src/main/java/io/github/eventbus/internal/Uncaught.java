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
   * Gives {@code error} to the current thread's uncaught-exception handler.
   *
   * @param error the Error
   * @return what the handler itself threw, for the caller to log; null if it returned
   */
  public static Throwable handOn(Error error) {
    Thread me = Thread.currentThread();
    try {
      me.getUncaughtExceptionHandler().uncaughtException(me, error);
      return null;
    } catch (Throwable handlerFailure) { // even an Error: the calling thread must go on
      return handlerFailure;
    }
  }
}
