package io.github.eventbus.handlers;

import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import java.util.List;

/**
 * Publishes the events that follow from a handled event (notifications, escalations), after the
 * handler has written its log line. Each is attempted even if an earlier one is refused (a closed
 * bus, a full queue); a refusal is then thrown as a {@link HandlerException}, so the bus reports it
 * through its exception handler and dead letters, while the log line stays written.
 */
final class FollowUps {

  private FollowUps() {}

  static void publish(EventBus bus, Event<?> handled, List<?> events) {
    HandlerException failure = null;
    for (Object event : events) {
      try {
        bus.publish(event);
      } catch (RuntimeException e) {
        HandlerException refused = new HandlerException("event " + handled.id() + " ("
            + handled.type() + ") was handled and logged, but its follow-up "
            + event.getClass().getSimpleName() + " was refused: " + FailureText.of(e), e);
        if (failure == null) {
          failure = refused;
        } else {
          failure.addSuppressed(refused);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
