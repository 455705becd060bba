package io.github.eventbus.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.jsonl.Durability;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The client's durable record of deliveries not yet finished, as JSON Lines forced to disk:
 * {@code pending} when a delivery is accepted, {@code done} when it is delivered or gone,
 * {@code dead} when it is rejected or exhausted. Opening an outbox keeps the pending and dead ones
 * (compacting the file) so that a new client resumes them.
 *
 * <p>Group commit: appends only queue a record; the writer's thread writes whatever has gathered
 * as one batch with one fsync, so no sending or bus thread waits on the disk.
 */
final class Outbox implements AutoCloseable {

  /** A delivery that is pending or dead. */
  record Entry(String key, String id, URI endpoint, String eventType, byte[] body, boolean dead) {
    /** The message to send again: its bytes as they were stored. */
    WebhookMessage message() {
      return WebhookMessage.stored(id, eventType, body);
    }
  }

  private static final ObjectMapper MAPPER = JsonLinesWriter.defaultMapper();

  private final Map<String, Entry> live = new LinkedHashMap<>();
  private final JsonLinesWriter<Object> writer;

  Outbox(Path file) {
    try {
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          apply(line);
        }
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path compacted = file.resolveSibling(file.getFileName() + ".tmp");
      List<String> lines = new ArrayList<>();
      for (Entry e : live.values()) {
        lines.add(MAPPER.writeValueAsString(record(e.dead() ? "dead" : "pending", e)));
      }
      Files.write(compacted, lines, StandardCharsets.UTF_8);
      Files.move(compacted, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the webhook outbox " + file, e);
    }
    this.writer = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(Durability.FSYNC).build();
  }

  private void apply(String line) {
    JsonNode node;
    try {
      node = MAPPER.readTree(line);
    } catch (IOException torn) {
      return; // a torn last line: the delivery it began was never acknowledged
    }
    String op = node.path("op").asText();
    String key = node.path("key").asText();
    switch (op) {
      case "pending", "dead" -> live.put(key, new Entry(key, node.path("id").asText(),
          URI.create(node.path("endpoint").asText()), node.path("event_type").asText(),
          Base64.getDecoder().decode(node.path("body").asText()), op.equals("dead")));
      case "done" -> live.remove(key);
      default -> { }
    }
  }

  static String key(String id, URI endpoint) {
    return id + " " + endpoint;
  }

  private static Map<String, Object> record(String op, Entry e) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("op", op);
    r.put("key", e.key());
    r.put("id", e.id());
    r.put("endpoint", e.endpoint().toString());
    r.put("event_type", e.eventType());
    r.put("body", Base64.getEncoder().encodeToString(e.body()));
    return r;
  }

  synchronized List<Entry> pending() {
    return live.values().stream().filter(e -> !e.dead()).toList();
  }

  synchronized List<Entry> dead() {
    return live.values().stream().filter(Entry::dead).toList();
  }

  /**
   * Records an accepted delivery. Returns at once: the future completes (on the writer's thread)
   * when the record is on the storage device. Records appended meanwhile share one fsync.
   */
  CompletableFuture<Void> pending(Entry e) {
    synchronized (this) {
      live.put(e.key(), e);
    }
    return writer.appendAcknowledged(record("pending", e));
  }

  /** Records that a delivery ended for good; nobody waits for the disk. */
  void done(String key) {
    synchronized (this) {
      live.remove(key);
    }
    writer.append(Map.of("op", "done", "key", key));
  }

  /** Records that a delivery failed, to re-drive later; nobody waits for the disk. */
  void dead(Entry e) {
    Entry dead = new Entry(e.key(), e.id(), e.endpoint(), e.eventType(), e.body(), true);
    synchronized (this) {
      live.put(e.key(), dead);
    }
    writer.append(record("dead", dead));
  }

  @Override
  public void close() {
    writer.close();
  }
}
