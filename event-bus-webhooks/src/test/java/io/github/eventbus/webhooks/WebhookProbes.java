package io.github.eventbus.webhooks;

import io.github.eventbus.Event;
import io.github.eventbus.TestResources;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the webhook probes share: the receiver tests' secret and instant, a clock fixed at it, the
 * events a receiver published, and resources closed after each probe in reverse order.
 */
abstract class WebhookProbes {

  static final String SECRET = WebhookReceiverTest.SECRET;
  static final Instant NOW = WebhookReceiverTest.NOW;
  /** The signing key inside {@link #SECRET}, which must never appear in a text. */
  static final String SECRET_KEY_B64 = SECRET.substring("whsec_".length());

  @TempDir Path dir;
  final Clock fixed = Clock.fixed(NOW, ZoneOffset.UTC);
  final List<Event<?>> published = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    TestResources.closeAll(closing);
  }

  <T extends AutoCloseable> T closeLater(T resource) {
    closing.add(resource);
    return resource;
  }
}
