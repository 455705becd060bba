package io.github.eventbus;

/** Where events of one type go: the matching subscribers, highest priority first, and counters. */
final class Route {

  final Class<?> eventClass; // the class it was resolved for (DynamicEvent for a dynamic type)
  final String type;
  final Subscriber[] targets;
  final TypeStats stats;
  final boolean needsEnvelope;
  private final SampleCount untimed = new SampleCount(); // for synchronous publishes


  Route(Class<?> eventClass, String type, Subscriber[] targets, TypeStats stats) {
    this.eventClass = eventClass;
    this.type = type;
    this.targets = targets;
    this.stats = stats;
    boolean envelope = false;
    for (Subscriber s : targets) {
      envelope |= s.wantsEnvelope;
    }
    this.needsEnvelope = envelope;
  }

  /** Tells whether this synchronous publish is timed: one in every {@code interval}. */
  boolean sample(int interval) {
    return untimed.next(interval);
  }
}
