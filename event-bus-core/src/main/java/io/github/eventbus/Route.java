package io.github.eventbus;

/** Where events of one type go: the matching subscribers, highest priority first, and counters. */
final class Route {

  final String type;
  final Subscriber[] targets;
  final TypeStats stats;
  final boolean needsEnvelope;

  Route(String type, Subscriber[] targets, TypeStats stats) {
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
