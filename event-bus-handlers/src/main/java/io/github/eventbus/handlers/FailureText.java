package io.github.eventbus.handlers;

import io.github.eventbus.internal.LogText;

/**
 * What a handler's log line says of a failure in user code or from a server: the failure's
 * message, cut to {@link #MAX} characters with unsafe characters escaped (a server may answer
 * with megabytes, and with line breaks), or, if reading the message itself throws, the failure's
 * class, so that the line is still written and the other steps still run. Stateless.
 */
final class FailureText {

  /** The most characters of a failure's message that a log line keeps. */
  static final int MAX = 1000;

  private FailureText() {}

  static String of(Throwable failure) {
    String message;
    try {
      message = failure.getMessage();
    } catch (RuntimeException | Error unreadable) { // a StackOverflowError, say
      return failure.getClass().getName() + " (its message could not be read: "
          + unreadable.getClass().getName() + ")";
    }
    return message == null ? "null" : LogText.printable(message, MAX);
  }
}
