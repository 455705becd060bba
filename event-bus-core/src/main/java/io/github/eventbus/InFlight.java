package io.github.eventbus;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Which subscriber each thread is calling right now, so that {@link Subscription#close()} can wait
 * for a call under way on another thread and then promise that no further call starts.
 *
 * <p>A delivering thread writes its slot (a volatile write) <em>before</em> it reads
 * {@link Subscriber#active}; {@code close()} clears {@code active} before it reads the slots. With
 * volatile's total order, either the deliverer sees the subscriber inactive and skips it, or
 * {@code close()} sees the slot and waits for the call to end.
 */
final class InFlight {

  static final class Slot {
    private static final VarHandle CURRENT;

    static {
      try {
        CURRENT = MethodHandles.lookup().findVarHandle(Slot.class, "current", Subscriber.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final WeakReference<Thread> thread = new WeakReference<>(Thread.currentThread());
    volatile Subscriber current;
    Throwable failure; // the last failure on this thread, read right after the call that set it

    /** Marks the start of a call to {@code s}; returns what to restore afterwards. */
    Subscriber enter(Subscriber s) {
      Subscriber previous = current;
      current = s;
      return previous;
    }

    /** Marks the end of a call; a release write suffices, as close() only waits for it. */
    void exit(Subscriber previous) {
      CURRENT.setRelease(this, previous);
    }
  }

  private final ThreadLocal<Slot> local = new ThreadLocal<>();
  private final Set<Slot> slots = ConcurrentHashMap.newKeySet();

  Slot slot() {
    Slot slot = local.get();
    if (slot == null) {
      slot = new Slot();
      local.set(slot);
      if (slots.size() % 64 == 63) {
        purgeDeadThreads();
      }
      slots.add(slot);
    }
    return slot;
  }

  /** Tells whether the current thread is inside a handler of this bus. */
  boolean isDelivering() {
    Slot slot = local.get();
    return slot != null && slot.current != null;
  }

  /** Waits until no other thread is calling {@code s}. */
  void awaitIdle(Subscriber s) {
    Thread me = Thread.currentThread();
    for (Slot slot : slots) {
      Thread owner = slot.thread.get();
      if (owner == me) {
        continue;
      }
      int spins = 0;
      while (slot.current == s && owner != null && owner.isAlive()) {
        if (++spins < 100) {
          Thread.onSpinWait();
        } else {
          LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
        }
      }
    }
  }

  private void purgeDeadThreads() {
    slots.removeIf(slot -> {
      Thread owner = slot.thread.get();
      return owner == null || !owner.isAlive();
    });
  }
}
