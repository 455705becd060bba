package io.github.eventbus.webhooks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.google.common.collect.Lists;
import io.github.eventbus.internal.DurableFiles;
import io.github.eventbus.internal.Utf8;
import io.github.eventbus.internal.WrittenFiles;
import io.github.eventbus.jsonl.Durability;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.jsonl.WriteErrorHandler;
import io.github.eventbus.jsonl.WriterStats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's durable record of deliveries not yet finished, as JSON Lines forced to disk:
 * {@code pending} when a delivery is accepted, {@code done} when it is delivered or gone,
 * {@code dead} when it is rejected or exhausted. Opening an outbox keeps the pending and dead ones
 * (compacting the file) so that a new client resumes them. A running outbox compacts its file
 * too, on the writer's thread, once it has passed {@link #COMPACT_ABOVE} and doubled since the
 * last compaction: the file stays bounded by the deliveries unfinished, not by those ever sent.
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

  private static final Logger log = LoggerFactory.getLogger(WebhookClient.class);
  private static final ObjectMapper MAPPER = JsonLinesWriter.defaultMapper();
  /**
   * Reads what MAPPER wrote: Jackson's default limit on a string (20 million characters) is below
   * what a body of over 15 MB takes in base64, which the file holds whole; the line is in memory
   * already, so its length bounds the string.
   */
  private static final ObjectReader LINES = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE)
          .build()).build()).reader();
  /** The least size at which a running outbox compacts its file. */
  static final long COMPACT_ABOVE = 1 << 20;
  /** The highest key number read from a file that new keys count up from. */
  static final long MAX_NOTED_KEY = Long.MAX_VALUE / 2;

  private final Map<String, Entry> live = new LinkedHashMap<>();
  private long keys; // the highest number in a key made here or read from the file
  private final JsonLinesWriter<Object> writer;
  private final OutboxLock lock;

  /** Opens the outbox; {@code errors} (maybe null) is told when a record cannot be written. */
  Outbox(Path file, WriteErrorHandler errors) {
    this(file, errors, COMPACT_ABOVE);
  }

  /**
   * Opens the outbox, compacting the file while running from {@code compactAbove} bytes on.
   *
   * @throws IllegalStateException if another client has the outbox open
   * @throws UncheckedIOException if it cannot be read or rewritten
   */
  Outbox(Path file, WriteErrorHandler errors, long compactAbove) {
    Path target = followLink(file);
    this.lock = OutboxLock.acquire(target);
    try {
      // Before load(), which may rewrite the file: another writer's file is refused untouched.
      WrittenFiles.refuseIfWritten(target);
      load(target);
      this.writer = openWriter(target, errors, compactAbove);
    } catch (RuntimeException | Error e) {
      lock.close();
      throw e;
    }
  }

  /**
   * The file an outbox path names: through a symbolic link, the file it points to, so that a
   * client on the link and one on the file share one lock (two clients would both resume its
   * deliveries), and the link is not replaced by a file of its own.
   */
  private static Path followLink(Path file) {
    if (!Files.isSymbolicLink(file)) {
      return file;
    }
    try {
      return file.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the webhook outbox " + file
          + ": a symbolic link to nothing there", e);
    }
  }

  /**
   * Refuses a file with another hard link: a client on each name would take its own lock and
   * resume the same deliveries, and opening replaces the file, which parts the names silently.
   */
  private static void refuseHardLinks(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return; // a directory counts its entries as links; reading it fails with its own message
    }
    Object links;
    try {
      links = Files.getAttribute(file, "unix:nlink");
    } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
      return;
    }
    if (links instanceof Integer n && n > 1) {
      throw new IllegalStateException("the webhook outbox " + file + " has " + n + " hard "
          + "links; a client on each name would resume the same deliveries: remove the other "
          + "names, or make them symbolic links");
    }
  }

  /** Reads the file's records, keeps unreadable lines aside and rewrites it as the live ones. */
  private void load(Path file) {
    try {
      List<byte[]> unreadable = new ArrayList<>();
      if (Files.exists(file)) {
        refuseHardLinks(file);
        readLines(file, unreadable);
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      if (!unreadable.isEmpty()) {
        keepUnreadable(file, unreadable);
      }
      StringBuilder text = new StringBuilder();
      for (Map<String, Object> record : liveRecords()) {
        text.append(MAPPER.writeValueAsString(record)).append('\n');
      }
      ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
      DurableFiles.replace(file, channel -> {
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
      });
      try {
        DurableFiles.forceDirectory(file);
      } catch (IOException e) {
        log.warn("The directory of the webhook outbox {} could not be forced to disk ({}); a "
            + "power cut may bring back the outbox as it was before this client opened it", file,
            e.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the webhook outbox " + file + ": " + e, e);
    }
  }

  /**
   * Applies the file's lines in order, a piece at a time: memory holds the live records, the
   * longest line and the unreadable ones, however large the file has grown (a compaction that
   * kept failing).
   */
  private void readLines(Path file, List<byte[]> unreadable) throws IOException {
    byte[] piece = new byte[64 * 1024];
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(piece)) > 0; ) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (piece[i] == '\n') {
            line.write(piece, start, i + 1 - start);
            byte[] whole = line.toByteArray(); // with its line break
            line.reset();
            if (whole.length > 1 && !apply(whole, 0, whole.length - 1)) {
              unreadable.add(whole);
            }
            start = i + 1;
          }
        }
        line.write(piece, start, n - start);
      }
    }
    // Bytes after the last line break are a torn last line: the delivery it began was never
    // acknowledged, so dropping it loses nothing that was promised. If the tear fell just before
    // the line break, the record is whole and is resumed all the same.
    if (line.size() > 0) {
      byte[] torn = line.toByteArray();
      apply(torn, 0, torn.length);
    }
  }

  private JsonLinesWriter<Object> openWriter(Path file, WriteErrorHandler errors,
      long compactAbove) {
    // A file deleted under the client would otherwise hold only later records, and a restart
    // would not resume the deliveries recorded before.
    var builder = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(Durability.FSYNC).restoreOnVanish(this::restoredRecords)
        .compactAbove(compactAbove)
        .offerTimeout(Duration.ZERO); // as for the attempt log: no sending thread waits on it
    if (errors != null) {
      builder.errorHandler(errors);
    }
    return builder.build();
  }

  /**
   * What the file is written whole again with (it vanished, or is compacted); the lock file is
   * made again first if it has gone too.
   */
  private List<Map<String, Object>> restoredRecords() {
    lock.renewIfGone();
    return liveRecords();
  }

  /** The writer's counts: records appended, written, pending, failed writes. */
  WriterStats stats() {
    return writer.stats();
  }

  /**
   * Moves whole lines that are not records (a disk error, a hand edit) to {@code <file>.corrupt}
   * before compaction would drop them, and says so once: the deliveries they held cannot resume.
   */
  private static void keepUnreadable(Path file, List<byte[]> unreadable) throws IOException {
    Path corrupt = file.resolveSibling(file.getFileName() + ".corrupt");
    try (FileChannel out = DurableFiles.openToAppend(corrupt)) {
      for (byte[] line : unreadable) {
        ByteBuffer bytes = ByteBuffer.wrap(line);
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
      }
    }
    log.warn("{} record(s) of the webhook outbox {} could not be read and were moved to {}; the "
        + "deliveries they held are not resumed", unreadable.size(), file, corrupt);
  }

  /** Applies one line (without its line break); false if it is not a whole, valid record. */
  private boolean apply(byte[] bytes, int from, int to) {
    try {
      String line = Utf8.strict(bytes, from, to - from);
      if (line == null) {
        return false;
      }
      JsonNode node = LINES.readTree(line);
      String op = text(node, "op");
      String key = text(node, "key");
      if (op == null || key == null || key.isEmpty()) {
        return false;
      }
      noteKey(key);
      if (op.equals("done")) {
        live.remove(key);
        return true;
      }
      String id = text(node, "id");
      String endpoint = text(node, "endpoint");
      String eventType = text(node, "event_type");
      String body = text(node, "body");
      if (!(op.equals("pending") || op.equals("dead")) || id == null || endpoint == null
          || eventType == null || body == null) {
        return false;
      }
      URI uri = new URI(endpoint);
      if (!uri.isAbsolute() || uri.getHost() == null) {
        return false;
      }
      live.put(key, new Entry(key, id, uri, eventType, Base64.getDecoder().decode(body),
          op.equals("dead")));
      return true;
    } catch (IOException | URISyntaxException | IllegalArgumentException e) {
      return false; // not JSON, a bad URI or base64
    }
  }

  /** A text field that must be there; null (and so a rejected record) if it is not. */
  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isTextual() ? null : value.asText();
  }

  /**
   * Makes the key of a new delivery's records: the message id and endpoint, which tell readers of
   * the file what it is, and a number above any in a key made here or read from the file. Each
   * send is one delivery with its own records, even of one message to one endpoint at once: a
   * shared key would let the {@code done} of one end the other's {@code pending} on replay. This
   * outbox never makes a key twice, nor one its file held when opened (a resumed delivery's),
   * so no {@code done} of an earlier delivery, appended late, can end a later one.
   */
  synchronized String newKey(String id, URI endpoint) {
    return id + " " + endpoint + " #" + ++keys;
  }

  /**
   * Notes the number of a key read from the file, so that {@link #newKey} never makes it. A
   * number below zero or above {@link #MAX_NOTED_KEY} (only a hand edit makes one) is left out:
   * counting up from near {@code Long.MAX_VALUE} would wrap to numbers the file may hold, and new
   * keys count up from far below it (they could meet it only by counting up from another hand
   * edit just below {@code MAX_NOTED_KEY}).
   */
  private void noteKey(String key) {
    int mark = key.lastIndexOf(" #");
    if (mark >= 0) {
      try {
        long number = Long.parseLong(key.substring(mark + 2));
        if (number >= 0 && number <= MAX_NOTED_KEY) {
          keys = Math.max(keys, number);
        }
      } catch (NumberFormatException notOurs) {
        // a key of an earlier version (id and endpoint only), or a hand edit
      }
    }
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

  /**
   * A record of every delivery pending or dead now, for a new file. The entries are copied under
   * the lock; each is made a record (its body encoded) only as the writer takes it, so that
   * sending threads do not wait for a whole outbox to be encoded.
   */
  private List<Map<String, Object>> liveRecords() {
    List<Entry> entries;
    synchronized (this) {
      entries = List.copyOf(live.values());
    }
    return Lists.transform(entries, e -> record(e.dead() ? "dead" : "pending", e));
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
    CompletableFuture<Void> written = writer.appendAcknowledged(record("pending", e));
    // A record that failed is no longer this outbox's: the client tells the delivery not kept
    // (a dead letter if abandoned), so no compaction or restore may write it later.
    written.whenComplete((ok, error) -> {
      if (error != null) {
        synchronized (this) {
          if (live.get(e.key()) == e) { // not a later record's entry for the same key
            live.remove(e.key());
          }
        }
      }
    });
    return written;
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
    // A file lost since the last record is restored by the writer itself: it looks for its file
    // once more, with nothing left to write, before it ends.
    try {
      writer.close();
    } finally {
      if (writer.isTerminated()) {
        lock.close();
      } else {
        // Its thread may still replace the file: no other client may open it meanwhile.
        log.warn("The writer of the webhook outbox {} did not end within its close timeout; the "
            + "outbox stays locked until this process ends", writer.currentFile());
      }
    }
  }
}
