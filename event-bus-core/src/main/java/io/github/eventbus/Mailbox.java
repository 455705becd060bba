package io.github.eventbus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A subscriber's own queue. At most one thread runs it at a time (the RUNNING state), so its
 * deliveries happen one by one in queue order; that is what keeps each publisher's events in
 * order for the subscriber, whatever the number of workers. A run handles a bounded batch and then
 * reschedules itself, so one busy subscriber cannot starve the others.
 *
 * <p>SCHEDULED means a task for this mailbox sits in the executor's queue. A publisher applying
 * {@link BackpressurePolicy#CALLER_RUNS} may take a SCHEDULED mailbox over and run it itself; the
 * executor's task then finds the state changed and does nothing.
 */
final class Mailbox implements Runnable {

  private static final int IDLE = 0;
  private static final int SCHEDULED = 1;
  private static final int RUNNING = 2;
  private static final int BATCH = 256;

  private final DefaultEventBus bus;
  private final Subscriber subscriber;
  private final ConcurrentLinkedQueue<Delivery> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger state = new AtomicInteger(IDLE);

  Mailbox(DefaultEventBus bus, Subscriber subscriber) {
    this.bus = bus;
    this.subscriber = subscriber;
  }

  void enqueue(Delivery delivery) {
    queue.offer(delivery);
    scheduleIfIdle();
  }

  private void scheduleIfIdle() {
    if (state.get() == IDLE && state.compareAndSet(IDLE, SCHEDULED)) {
      bus.execute(this);
    }
  }

  /** Runs queued deliveries on the calling thread unless a thread is running them already. */
  boolean tryRunHere() {
    if (queue.isEmpty()
        || !(state.compareAndSet(SCHEDULED, RUNNING) || state.compareAndSet(IDLE, RUNNING))) {
      return false;
    }
    drain();
    return true;
  }

  @Override
  public void run() {
    if (state.compareAndSet(SCHEDULED, RUNNING)) {
      drain();
    }
  }

  private void drain() {
    InFlight.Slot slot = bus.slot();
    int finished = 0;
    try {
      Delivery delivery;
      for (int n = 0; n < BATCH && (delivery = queue.poll()) != null; n++) {
        if (bus.deliverQueued(subscriber, delivery, slot)) {
          finished++;
        }
      }
    } finally {
      bus.release(finished);
      state.set(IDLE);
    }
    if (!queue.isEmpty()) {
      scheduleIfIdle();
    }
  }

  /** Called when the executor refused to run this mailbox: give back the claim. */
  void unschedule() {
    state.compareAndSet(SCHEDULED, IDLE);
  }

  /** Removes and returns whatever is queued; for close after the drain timeout. */
  List<Delivery> takeAll() {
    List<Delivery> all = new ArrayList<>();
    Delivery delivery;
    while ((delivery = queue.poll()) != null) {
      all.add(delivery);
    }
    return all;
  }

  Subscriber subscriber() {
    return subscriber;
  }
}
