package io.github.eventbus.webhooks;

import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.jsonl.WriteErrorHandler;
import io.github.eventbus.jsonl.WriterStats;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * Writes one JSON Lines record per finished attempt: id, event type, endpoint, attempt, status or
 * error, duration, next retry time and outcome ({@code retrying} or how the delivery ended:
 * {@code delivered}, {@code gone}, {@code rejected}, {@code exhausted}). A delivery abandoned at
 * close gets a line too ({@code abandoned}, with {@code kept_in_outbox}), numbered with the
 * attempts started, one cut off in flight included (0 if none was). Never a secret or a body.
 */
final class AttemptLog implements DeliveryListener, AutoCloseable {

  private final JsonLinesWriter<Object> writer;
  private final Clock clock;

  /** Opens the log; {@code errors} (maybe null) is told when a line cannot be written. */
  AttemptLog(Path file, Clock clock, WriteErrorHandler errors) {
    this(file, clock, errors, Duration.ofSeconds(10));
  }

  /** As above, with how long close() waits for a failing disk ({@code closeTimeout}). */
  AttemptLog(Path file, Clock clock, WriteErrorHandler errors, Duration closeTimeout) {
    // Never wait for room: no sending thread waits on the disk. Past the buffer (a disk failing
    // for long), lines are dropped, counted and reported.
    var builder = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .offerTimeout(Duration.ZERO).closeTimeout(closeTimeout);
    if (errors != null) {
      builder.errorHandler(errors);
    }
    this.writer = builder.build();
    this.clock = clock;
  }

  /** The writer's counts: lines appended, written, pending, failed writes. */
  WriterStats stats() {
    return writer.stats();
  }

  @Override
  public void retryScheduled(WebhookMessage message, AttemptResult attempt, Instant at) {
    write(message, attempt, at, "retrying");
  }

  @Override
  public void delivered(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    write(message, last, null, outcome(result));
  }

  @Override
  public void gone(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    write(message, last, null, outcome(result));
  }

  @Override
  public void rejected(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    write(message, last, null, outcome(result));
  }

  @Override
  public void abandoned(WebhookMessage message, WebhookDelivery result, boolean keptInOutbox) {
    Map<String, Object> line = start(message, result.endpoint());
    line.put("attempt", result.attempts());
    line.put("error", "abandoned: the client closed, or the retry scheduler refused");
    line.put("next_retry_at", null);
    line.put("outcome", outcome(result));
    line.put("kept_in_outbox", keptInOutbox);
    append(line);
  }

  @Override
  public void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    write(message, last, null, outcome(result));
  }

  private static String outcome(WebhookDelivery result) {
    return result.outcome().name().toLowerCase(Locale.ROOT);
  }

  private void write(WebhookMessage message, AttemptResult attempt, Instant nextRetry, String outcome) {
    Map<String, Object> line = start(message, attempt.endpoint());
    line.put("attempt", attempt.attempt());
    if (attempt.error() == null) {
      line.put("status", attempt.status());
    } else {
      line.put("error", attempt.error());
    }
    line.put("duration_ms", attempt.duration().toMillis());
    line.put("next_retry_at", nextRetry == null ? null : nextRetry.toString());
    line.put("outcome", outcome);
    append(line);
  }

  private Map<String, Object> start(WebhookMessage message, java.net.URI endpoint) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("timestamp", clock.instant().toString());
    line.put("webhook_id", message.id());
    line.put("event_type", message.eventType());
    line.put("endpoint", EndpointGate.origin(endpoint));
    return line;
  }

  private void append(Map<String, Object> line) {
    try {
      writer.append(line);
    } catch (IllegalStateException closedLog) {
      // the client is closing
    }
  }

  /**
   * Waits until the file holds every line appended so far.
   *
   * @throws IllegalStateException if they could not all be written: the buffer is full (the
   *     file has not been writable for long), or a close gave them up
   */
  void flush() {
    try {
      writer.flush().join();
    } catch (CompletionException failed) {
      throw new IllegalStateException("the attempt log could not be flushed ("
          + failed.getCause().getMessage() + "); lines not written are counted",
          failed.getCause());
    }
  }

  @Override
  public void close() {
    writer.close();
  }
}
