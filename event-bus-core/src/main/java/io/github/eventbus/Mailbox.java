package io.github.eventbus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A subscriber's own queue. At most one thread runs it at a time (the {@code scheduled} flag), so
 * its deliveries happen one by one in queue order; that is what keeps each publisher's events in
 * order for the subscriber, whatever the number of workers. A run handles a bounded batch and then
 * reschedules itself, so one busy subscriber cannot starve the others.
 */
final class Mailbox implements Runnable {

  private static final int BATCH = 256;

  private final DefaultEventBus bus;
  private final Subscriber subscriber;
  private final ConcurrentLinkedQueue<Delivery> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  Mailbox(DefaultEventBus bus, Subscriber subscriber) {
    this.bus = bus;
    this.subscriber = subscriber;
  }

  void enqueue(Delivery delivery) {
    queue.offer(delivery);
    if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
      bus.execute(this);
    }
  }

  /** Runs queued deliveries on the calling thread if no worker has this mailbox; for CALLER_RUNS. */
  boolean tryRunHere() {
    if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
      return false;
    }
    run();
    return true;
  }

  @Override
  public void run() {
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
      scheduled.set(false);
    }
    if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
      bus.execute(this);
    }
  }

  /** Called when the executor refused to run this mailbox: give back the claim. */
  void unschedule() {
    scheduled.set(false);
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
