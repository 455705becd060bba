package io.github.eventbus.handlers;

import io.github.eventbus.Subscription;
import java.util.List;

/** The subscriptions a handler made on one bus, closed together. */
final class Registration implements Subscription {

  private final String name;
  private final List<Subscription> parts;

  Registration(String name, List<Subscription> parts) {
    this.name = name;
    this.parts = List.copyOf(parts);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean isActive() {
    return parts.stream().anyMatch(Subscription::isActive);
  }

  @Override
  public void close() {
    parts.forEach(Subscription::close);
  }

  @Override
  public String toString() {
    return "Registration{" + name + ", " + parts.size() + " subscriptions}";
  }
}
