package io.github.eventbus;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What each thread is delivering right now, so that {@link Subscription#close()} can wait for
 * deliveries under way on other threads and then promise that no further call starts.
 *
 * <p>A delivering thread publishes its target in its slot with a volatile write <em>before</em> it
 * reads {@link Subscriber#active}: a {@code Subscriber} for one queued delivery, or the
 * {@code Subscriber[]} of a synchronous publish (one write per publish, not per subscriber, which
 * keeps synchronous dispatch cheap). {@code close()} clears {@code active} before it reads the
 * slots. By the total order of volatile accesses, either the deliverer reads the subscriber as
 * inactive and skips it, or {@code close()} sees the target and waits until the thread moves on.
 * A publish from inside a handler makes its slot hold both targets (a {@link Nested}, allocated
 * only then), since the outer handler is still running; leaving it restores the outer target with
 * a volatile write too, so that the outer loop's later reads of {@code active} stay ordered after
 * it.
 */
final class InFlight {

  /**
   * What one thread is delivering, and what its deliveries leave for the code around them.
   *
   * <p>A slot sits between padding ({@link PaddedBefore}, then {@link Padded}'s fields), so that no
   * other object shares its cache lines. Its thread writes it on every delivery; a neighbour that
   * publishers read on every publish (the bus's flags, a mailbox) would then cost
   * each publish a cache miss. Whether one lands there depends on where the garbage collector
   * copies the objects: in a harness of the 1-to-1 async benchmark, 2 JVMs of 16 ran at half speed
   * throughout (one that printed its layout had the slot and this object on one line); padded,
   * none of 16 did.
   */
  abstract static class Slot extends PaddedBefore {
    private static final VarHandle TARGET =
        VarHandles.field(MethodHandles.lookup(), Slot.class, "target", Object.class);
    private static final VarHandle PUBLISHED =
        VarHandles.field(MethodHandles.lookup(), Slot.class, "published", long.class);

    // Not the InFlight: a thread's ThreadLocal entry holds its slot, and a slot that held the
    // InFlight would hold the ThreadLocal too, so no thread's entry for a dropped bus would clear.
    private final Flags flags;
    final WeakReference<Thread> thread = new WeakReference<>(Thread.currentThread());
    private volatile Object target; // null, a Subscriber, a Subscriber[] or a Nested
    Throwable failure; // the last failure on this thread, read right after the call that set it
    String vetoReason; // likewise, the last veto
    boolean handlerReturned; // with an ERROR outcome: whether the handler itself had returned
    private Error pending; // an Error from a callback, thrown once the current publish is done
    private java.util.ArrayDeque<SyncDispatch.Deferred> deferred; // re-entrant QUEUED publishes
    int deadLetterDepth; // dead-letter deliveries under way on this thread
    // Latency samples taken on this thread and not yet added to their TypeStats (see timed()).
    private TypeStats timedStats;
    private int timedCount;
    private long timedNanos;
    private long timedMax;
    // The end stamp of the handler call just made, if it was timed and nothing ran since: the
    // next timed call in the same loop starts there instead of reading the clock again.
    long chainedStart;
    // Publishes of one type counted by this thread alone: see countPublished().
    private TypeStats counted;
    private long published;

    private Slot(Flags flags) {
      this.flags = flags;
    }

    /** Padding after a slot's fields. */
    @SuppressWarnings("unused")
    static final class Padded extends Slot {
      int g1;
      long q0, q1, q2, q3, q4, q5, q6, q7;

      Padded(Flags flags) {
        super(flags);
      }
    }

    /**
     * Keeps a latency sample; {@link #flushTimed} adds the samples to their counters, so that a
     * synchronous publish to many subscribers writes the shared counters once, not once per
     * subscriber.
     */
    void timed(TypeStats stats, long nanos) {
      if (stats != timedStats) {
        flushTimed();
        timedStats = stats;
      }
      timedCount++;
      timedNanos += nanos;
      if (nanos > timedMax) {
        timedMax = nanos;
      }
    }

    /** Adds the kept latency samples to their counters and ends the stamp chain. */
    void flushTimed() {
      chainedStart = 0;
      if (timedCount > 0) {
        timedStats.recordLatencies(timedCount, timedNanos, timedMax);
        timedCount = 0;
        timedNanos = 0;
        timedMax = 0;
      }
    }


    /**
     * Counts a publish of the type with these counters. The first type a thread publishes is
     * counted here, with a plain increment and a release write that only this thread makes;
     * {@link InFlight#published} adds it in. Other types go to the shared counter. An
     * atomic update of the shared counter on every publish cost the 1-to-1 queued hand-off a
     * fifth of its time.
     */
    void countPublished(TypeStats stats) {
      if (counted == stats) {
        PUBLISHED.setRelease(this, published + 1);
      } else if (counted == null) {
        counted = stats; // read only after a reader has seen `published` above zero
        PUBLISHED.setRelease(this, 1L);
      } else {
        stats.published.increment();
      }
    }

    /** This slot's count (an acquire read, pairing with the release writes of its thread). */
    private long published() {
      return (long) PUBLISHED.getAcquire(this);
    }

    /** Keeps an Error from user code until the bus is consistent; the first one wins. */
    void defer(Error error) {
      flags.errorsDeferred = true;
      if (pending == null) {
        pending = error;
      }
    }

    /** Throws the Error kept by {@link #defer}, if any: at the end of a worker's delivery. */
    void rethrowPending() {
      Error error = pending;
      if (error != null) {
        pending = null;
        throw error;
      }
    }

    /**
     * Throws the Error kept by {@link #defer} once the outermost publish on this thread is
     * complete; inside a delivery (a handler's nested publish) it waits, so that a handler is
     * never hit by an Error that belongs to an event it did not publish.
     */
    void rethrowPendingIfOutermost() {
      if (pending != null && target == null) {
        rethrowPending();
      }
    }

    /**
     * For {@code thrown} leaving the outermost publish: returns the kept Error instead, with
     * {@code thrown} suppressed, so that it never surfaces in a later, unrelated publish.
     */
    Throwable leaving(Throwable thrown) {
      Error error = pending;
      if (error == null || error == thrown || target != null) {
        return thrown;
      }
      pending = null;
      error.addSuppressed(thrown);
      return error;
    }

    /** Takes the kept Error out, to be kept again later. */
    Error takePending() {
      Error error = pending;
      pending = null;
      return error;
    }

    void defer(SyncDispatch.Deferred publish) {
      if (deferred == null) {
        deferred = new java.util.ArrayDeque<>();
      }
      deferred.add(publish);
    }

    boolean hasDeferred() {
      return deferred != null && !deferred.isEmpty();
    }

    SyncDispatch.Deferred nextDeferred() {
      return deferred == null ? null : deferred.poll();
    }

    /** Marks the start of a delivery to {@code subscriberOrRoute}; returns what to restore. */
    Object enter(Object subscriberOrRoute) {
      Object previous = target;
      target = previous == null ? subscriberOrRoute : new Nested(previous, subscriberOrRoute);
      return previous;
    }

    /** Marks the end of a delivery. */
    void exit(Object previous) {
      if (previous == null) {
        TARGET.setRelease(this, (Object) null); // nothing reads `active` after this on this thread
      } else {
        target = previous;
      }
    }

    boolean isDelivering() {
      return target != null;
    }

    boolean targets(Subscriber s) {
      return covers(target, s);
    }

    private static boolean covers(Object t, Subscriber s) {
      while (t instanceof Nested nested) {
        if (covers(nested.inner(), s)) {
          return true;
        }
        t = nested.outer();
      }
      if (t == s) {
        return true;
      }
      if (t instanceof Subscriber[] route) {
        for (Subscriber candidate : route) {
          if (candidate == s) {
            return true;
          }
        }
      }
      return false;
    }
  }

  /** The target of a delivery made from inside another one on the same thread: both run. */
  private record Nested(Object outer, Object inner) {}

  /** What the slots of one bus share. */
  private static final class Flags {
    // Set (never cleared) by the first Slot.defer(Error). Racy on purpose: the thread that keeps
    // an Error sees its own write, and only that thread's slot holds it; others at worst look in
    // vain.
    boolean errorsDeferred;
  }

  private final ThreadLocal<Slot> local = new ThreadLocal<>();
  private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
  private final Flags flags = new Flags();
  // Held while a dead thread's count moves from its slot to the shared counter, and while a
  // snapshot reads the counts: see published().
  private final Object countsLock = new Object();

  Slot slot() {
    Slot slot = local.get();
    if (slot == null) {
      slot = new Slot.Padded(flags);
      local.set(slot);
      if (slots.size() % 64 == 63) {
        purgeDeadThreads();
      }
      slots.add(slot);
    }
    return slot;
  }

  /**
   * Throws the Error a callback kept on this thread once the outermost publish is complete (see
   * {@link Slot#rethrowPendingIfOutermost}), skipping the thread-local lookup while no thread of
   * this bus has ever kept one (the common case, checked once per publish).
   */
  void rethrowPendingIfOutermost() {
    if (flags.errorsDeferred) {
      slot().rethrowPendingIfOutermost();
    }
  }

  /** Counts a publish on this thread: see {@link Slot#countPublished}. */
  void countPublished(TypeStats stats) {
    slot().countPublished(stats);
  }

  /**
   * The published count of each of {@code types}: its shared counter plus what slots counted. A
   * purge moves a dead thread's count under the same lock, so each count is read once, and
   * exactly once every publish has returned. A type not in {@code types} (added after the caller
   * listed them) is left out, and the caller reports its shared counter alone until the next
   * call.
   */
  Map<TypeStats, Long> published(Iterable<TypeStats> types) {
    Map<TypeStats, Long> counts = new IdentityHashMap<>();
    synchronized (countsLock) {
      for (TypeStats stats : types) {
        counts.put(stats, stats.published.sum());
      }
      for (Slot slot : slots) {
        long n = slot.published();
        if (n > 0) {
          counts.computeIfPresent(slot.counted, (stats, shared) -> shared + n);
        }
      }
    }
    return counts;
  }

  /** Tells whether the current thread is inside a delivery of this bus. */
  boolean isDelivering() {
    Slot slot = local.get();
    return slot != null && slot.isDelivering();
  }

  /** Waits until no other thread is delivering to {@code s}. */
  void awaitIdle(Subscriber s) {
    Thread me = Thread.currentThread();
    for (Slot slot : slots) {
      Thread owner = slot.thread.get();
      if (owner == me) {
        continue;
      }
      int spins = 0;
      while (slot.targets(s) && owner != null && owner.isAlive()) {
        if (++spins < 100) {
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
        }
      }
    }
  }

  /** Whether no live thread is delivering to {@code s} at this moment, this one included. */
  boolean isIdle(Subscriber s) {
    for (Slot slot : slots) {
      Thread owner = slot.thread.get();
      if (slot.targets(s) && owner != null && owner.isAlive()) {
        return false;
      }
    }
    return true;
  }

  private void purgeDeadThreads() {
    synchronized (countsLock) {
      for (Slot slot : slots) {
        Thread owner = slot.thread.get();
        if ((owner == null || !owner.isAlive()) && slots.remove(slot)) {
          long n = slot.published();
          if (n > 0) {
            slot.counted.published.add(n);
          }
        }
      }
    }
  }
}
