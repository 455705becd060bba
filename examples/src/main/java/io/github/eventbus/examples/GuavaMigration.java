package io.github.eventbus.examples;

import com.google.common.eventbus.AllowConcurrentEvents;
import com.google.common.eventbus.Subscribe;
import io.github.eventbus.EventBus;

/** A listener written for Guava's EventBus, registered unchanged. */
public final class GuavaMigration {

  /** An event. */
  public record UserSignedUp(String email) {}

  /** The listener, exactly as it was for Guava. */
  public static final class WelcomeMailer {
    @Subscribe
    public void onSignUp(UserSignedUp event) {
      System.out.println("welcome mail to " + event.email());
    }

    @Subscribe
    @AllowConcurrentEvents
    public void onAnything(Object event) {
      System.out.println("saw " + event);
    }
  }

  private GuavaMigration() {}

  /**
   * Runs the example.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    try (EventBus bus = EventBus.builder().build()) {
      WelcomeMailer mailer = new WelcomeMailer();
      bus.register(mailer);                          // was: guavaBus.register(mailer)
      bus.publishSync(new UserSignedUp("ada@example.com")); // was: guavaBus.post(...)
      bus.unregister(mailer);
    }
  }
}
