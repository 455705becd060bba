package io.github.eventbus.webhooks;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * What the outbox's adversary tests share: an entry by id, a random end for it, the ids of
 * entries.
 */
final class OutboxProbes {

  static final URI ENDPOINT = URI.create("http://127.0.0.1:9/hook");

  private OutboxProbes() {}

  /** The key of {@link #entry}: one delivery per id in these probes. */
  static String key(String id) {
    return id + " " + ENDPOINT + " #1";
  }

  /** A pending entry for {@link #ENDPOINT} whose body names its id. */
  static Outbox.Entry entry(String id) {
    return new Outbox.Entry(key(id), id, ENDPOINT, "t",
        ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), false);
  }

  /** Ends a pending entry as a delivery might: done, dead, dead then done, or left pending. */
  static void endRandomly(Outbox outbox, Outbox.Entry e, Random random) {
    switch (random.nextInt(4)) {
      case 0 -> outbox.done(e.key());
      case 1 -> outbox.dead(e);
      case 2 -> {
        outbox.dead(e);
        outbox.done(e.key());
      }
      default -> { } // stays pending
    }
  }

  static List<String> ids(List<Outbox.Entry> entries) {
    return entries.stream().map(Outbox.Entry::id).toList();
  }
}
