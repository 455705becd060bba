package io.github.eventbus;

/**
 * A 1-in-N count that decides which deliveries are timed for {@link HandlerLatency}. Racy on
 * purpose: threads may lose an increment, which only moves a sample. The count sits in the middle
 * of an array of its own, with 64 bytes on either side: it is written on every publish or
 * delivery, and on a cache line shared with fields that publishers read it would cost each of
 * them a cache miss (false sharing).
 */
final class SampleCount {

  private static final int AT = 16;

  private final int[] count = new int[2 * AT + 1];

  /** Counts one call; true for every {@code interval}-th. */
  boolean next(int interval) {
    int[] c = count;
    if (++c[AT] < interval) {
      return false;
    }
    c[AT] = 0;
    return true;
  }
}
