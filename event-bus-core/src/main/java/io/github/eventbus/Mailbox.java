package io.github.eventbus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A subscriber's own queue. At most one thread runs it at a time (the RUNNING state), so its
 * deliveries happen one by one in queue order; that is what keeps each publisher's events in
 * order for the subscriber, whatever the number of workers. A run handles a bounded batch and then
 * reschedules itself, so one busy subscriber cannot starve the others.
 *
 * <p>SCHEDULED means a task for this mailbox sits in the executor's queue. A publisher applying
 * {@link BackpressurePolicy#CALLER_RUNS} may take a SCHEDULED mailbox over and run it itself; the
 * executor's task then finds the state changed and does nothing.
 *
 * <p>The queue is an intrusive multi-producer, single-consumer linked list (the
 * {@link Delivery}s are its nodes): producers swap the tail with one atomic exchange; only the
 * thread holding the RUNNING state takes from the head.
 */
final class Mailbox implements Runnable {

  /** What a mailbox needs from its bus: one call per queued delivery. */
  interface Deliverer {
    /**
     * Delivers one queued delivery, counting it in {@code run}; the caller has entered the run's
     * slot with the subscriber as its target.
     */
    void deliver(Subscriber subscriber, Delivery delivery, Run run);
  }

  private static final int IDLE = 0;
  private static final int SCHEDULED = 1;
  private static final int RUNNING = 2;
  private static final int BATCH = 256;
  private static final int SPINS = 1024;
  private static final int SPINS_PER_LOOK = 64;
  private static final long IDLE_AFTER_NANOS = 50_000;

  private final Subscriber subscriber;
  private final Deliverer deliverer;
  private final Executor executor;
  private final InFlight inFlight;
  private final Capacity capacity;
  private final AtomicInteger state = new AtomicInteger(IDLE);
  private final AtomicReference<Delivery> tail;
  // A consumed node (or the stub); only the RUNNING thread moves it. Volatile so that close can
  // walk the queue from it while a stuck handler holds RUNNING.
  private volatile Delivery head;

  Mailbox(Subscriber subscriber, Deliverer deliverer, Executor executor, InFlight inFlight,
      Capacity capacity) {
    this.subscriber = subscriber;
    this.deliverer = deliverer;
    this.executor = executor;
    this.inFlight = inFlight;
    this.capacity = capacity;
    Delivery stub = new Delivery(null, null, null, 0, 0, null, 0, null);
    this.head = stub;
    this.tail = new AtomicReference<>(stub);
  }

  void enqueue(Delivery delivery) {
    Delivery previous = tail.getAndSet(delivery);
    previous.link(delivery);
    scheduleIfIdle();
  }

  private void scheduleIfIdle() {
    if (state.get() == IDLE && state.compareAndSet(IDLE, SCHEDULED)) {
      executor.execute(this);
    }
  }

  /** Runs queued deliveries on the calling thread unless a thread is running them already. */
  boolean tryRunHere() {
    if (!claim()) {
      return false;
    }
    drain();
    return true;
  }

  private boolean claim() {
    return state.compareAndSet(SCHEDULED, RUNNING) || state.compareAndSet(IDLE, RUNNING);
  }

  @Override
  public void run() {
    if (state.compareAndSet(SCHEDULED, RUNNING)) {
      drain();
    }
  }

  /** Takes the next delivery; only for the thread holding RUNNING. */
  private Delivery poll() {
    Delivery next = after(head);
    if (next != null) {
      head = next;
    }
    return next;
  }

  /** The node after {@code node}, or null if {@code node} is the tail. */
  private Delivery after(Delivery node) {
    Delivery next = node.next;
    if (next == null) {
      if (tail.get() == node) {
        return null;
      }
      // A producer swapped the tail but has not linked its node yet; it is about to.
      while ((next = node.next) == null) {
        Thread.onSpinWait();
      }
    }
    return next;
  }

  /**
   * The node after {@code node}, waiting up to about 50 microseconds for one if the queue is
   * empty: under a steady stream that is cheaper than giving the mailbox up and having the next
   * publish hand it to the executor again and wake a worker.
   */
  private Delivery afterOrSpin(Delivery node) {
    Delivery next = node.next;
    if (next != null) {
      return next;
    }
    // While waiting, read only the last node's link, which the next producer writes, and only
    // every SPINS_PER_LOOK spins; the tail only once the wait is over. A worker that has caught up
    // and keeps looking pulls those lines away from the publishing core once per event; looking
    // less often lets the publisher run some events ahead, which the worker then takes as a
    // stream. In the 1-to-1 benchmark, looking every spin gave medians of 130 to 158 ms per million
    // events, every 8th or 64th 53 to 86 ms; between 8 and 64 the difference (72 against 55 and
    // 71 ms, over 80 batches each) is within this machine's run-to-run noise.
    for (int spin = 1; spin <= SPINS; spin++) {
      Thread.onSpinWait();
      if ((spin & (SPINS_PER_LOOK - 1)) == 0 && node.next != null) {
        return node.next;
      }
    }
    // Then yield for a bounded time: a publisher on another core usually has the next event a
    // moment away, and going idle costs it a worker wake-up (a futex call) per event. The bound
    // keeps an idle bus from holding a core.
    long deadline = System.nanoTime() + IDLE_AFTER_NANOS;
    do {
      Thread.yield();
      if (node.next != null) {
        return node.next;
      }
    } while (System.nanoTime() - deadline < 0);
    return after(node);
  }

  /**
   * Runs a batch. The head moves in a local and is stored once at the end: a store per delivery
   * would dirty the line holding this mailbox's tail and state, which every publisher reads. A
   * stale head is harmless to {@link #takeAll}, which skips nodes already taken.
   */
  private void drain() {
    InFlight.Slot slot = inFlight.slot();
    Object previous = slot.enter(subscriber);
    Run run = new Run(slot);
    Delivery last = head;
    try {
      Delivery delivery;
      for (int n = 0; n < BATCH && (delivery = afterOrSpin(last)) != null; n++) {
        last = delivery;
        if (delivery.take()) { // else close took it, and reports it
          deliverer.deliver(subscriber, delivery, run);
          delivery.release(); // it stays the queue's head until the next poll
        }
      }
    } finally {
      head = last;
      slot.exit(previous);
      run.end(capacity);
      state.set(IDLE);
      // A producer that saw RUNNING did not schedule us; its tail swap is visible here.
      if (tail.get() != last) {
        scheduleIfIdle();
      }
    }
  }

  /** Called when the executor refused to run this mailbox: give back the claim. */
  void unschedule() {
    state.compareAndSet(SCHEDULED, IDLE);
  }

  /**
   * Takes and returns every delivery still queued, whether or not a thread is running the
   * mailbox: for close after the drain timeout (even while a handler that ignores interrupts holds
   * the mailbox) and for a refused executor. Each delivery is taken once, by this or by the
   * running thread, so none is both delivered and reported.
   */
  List<Delivery> takeAll() {
    List<Delivery> all = new ArrayList<>();
    if (claim()) { // nobody runs it: consume the queue, so it holds nothing afterwards
      try {
        Delivery delivery;
        while ((delivery = poll()) != null) {
          if (delivery.take()) {
            all.add(delivery);
          }
        }
      } finally {
        state.set(IDLE);
      }
      return all;
    }
    // A thread holds the mailbox, maybe a handler that never returns: walk past it.
    Delivery node = head;
    while (true) {
      Delivery next = node.next;
      if (next == null) {
        if (tail.get() == node) {
          return all;
        }
        Thread.onSpinWait(); // a producer swapped the tail and is about to link its node
        continue;
      }
      if (next.take()) {
        all.add(next);
      }
      node = next;
    }
  }

  Subscriber subscriber() {
    return subscriber;
  }
}
