package io.github.eventbus.webhooks;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** What the outbox's adversary tests share: an entry by id, the ids of entries. */
final class OutboxProbes {

  static final URI ENDPOINT = URI.create("http://127.0.0.1:9/hook");

  private OutboxProbes() {}

  /** A pending entry for {@link #ENDPOINT} whose body names its id. */
  static Outbox.Entry entry(String id) {
    return new Outbox.Entry(Outbox.key(id, ENDPOINT), id, ENDPOINT, "t",
        ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), false);
  }

  static List<String> ids(List<Outbox.Entry> entries) {
    return entries.stream().map(Outbox.Entry::id).toList();
  }
}
