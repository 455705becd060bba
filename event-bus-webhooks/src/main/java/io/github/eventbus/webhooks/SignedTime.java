package io.github.eventbus.webhooks;

import java.time.Duration;

/** The timestamp check every scheme shares. Stateless. */
final class SignedTime {

  private SignedTime() {}

  /**
   * Tells whether a signed time lies within the tolerance of now, either way. Exact for every
   * pair of longs: {@code now - signed} could overflow and wrap into the range.
   *
   * @param nowSeconds the clock, in Unix seconds
   * @param signedSeconds the signed time, in Unix seconds, as the request gave it
   * @param tolerance how far apart they may be
   */
  static boolean within(long nowSeconds, long signedSeconds, Duration tolerance) {
    long limit = tolerance.toSeconds();
    return signedSeconds >= nowSeconds
        ? signedSeconds - nowSeconds >= 0 && signedSeconds - nowSeconds <= limit
        : nowSeconds - signedSeconds >= 0 && nowSeconds - signedSeconds <= limit;
  }
}
