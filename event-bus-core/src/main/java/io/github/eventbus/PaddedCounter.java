package io.github.eventbus;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A {@code long} that a publisher changes on every publish, alone on its cache line: it is the
 * middle element of an array with seven unused {@code long}s on each side, so no other object can
 * share its line, wherever the allocator or the garbage collector puts the array. Without that, a
 * worker that reads a neighbouring field once per delivery pulls the line away from the publishing
 * core on every event, and whether it does depends on where the objects landed, which differs
 * from one run to the next (as in {@link SampleCount}).
 *
 * <p>Thread-safe: every access is atomic (volatile reads, atomic updates).
 */
final class PaddedCounter {

  private static final int AT = 7;
  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

  private final long[] cells = new long[2 * AT + 1];

  long get() {
    return (long) LONGS.getVolatile(cells, AT);
  }

  boolean compareAndSet(long expected, long next) {
    return LONGS.compareAndSet(cells, AT, expected, next);
  }

  long getAndAdd(long delta) {
    return (long) LONGS.getAndAdd(cells, AT, delta);
  }

  long addAndGet(long delta) {
    return (long) LONGS.getAndAdd(cells, AT, delta) + delta;
  }
}
