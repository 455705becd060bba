package io.github.eventbus.kafka;

import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventHandler;
import java.util.ArrayList;
import java.util.List;

/** Collects envelopes from any thread; tests await a count. */
final class Received implements EventHandler<Event<?>> {

  private final List<Event<?>> events = new ArrayList<>();

  /** Subscribes a new recorder to the events of {@code bus} whose type matches {@code pattern}. */
  static Received on(EventBus bus, String pattern) {
    Received received = new Received();
    bus.subscribe(pattern, received);
    return received;
  }

  @Override
  public synchronized void handle(Event<?> event) {
    events.add(event);
  }

  synchronized List<Event<?>> all() {
    return List.copyOf(events);
  }

  synchronized int size() {
    return events.size();
  }

  List<Event<?>> awaitAtLeast(int n) {
    Eventually.await(() -> size() >= n, () -> "received " + size() + " of " + n);
    return all();
  }
}
