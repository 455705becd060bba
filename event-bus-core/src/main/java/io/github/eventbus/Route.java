package io.github.eventbus;

/** Where events of one type go: the matching subscribers, highest priority first, and counters. */
final class Route {

  final Class<?> eventClass; // the class it was resolved for (DynamicEvent for a dynamic type)
  final String type;
  final Subscriber[] targets;
  final TypeStats stats;
  final boolean needsEnvelope;

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
}
