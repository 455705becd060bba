package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.TestFiles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The attempt log's flush says why lines were not written. */
class AttemptLogTest {

  @TempDir Path dir;

  @Test
  void flush_whenACloseGivesTheLinesUp_saysSo_notThatTheBufferIsFull() throws Exception {
    Path logDir = dir.resolve("webhooks");
    AttemptLog log = new AttemptLog(logDir.resolve("attempts.jsonl"),
        Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC), null,
        Duration.ofMillis(200));
    if (Files.exists(logDir)) {
      TestFiles.deleteTree(logDir);
    }
    Files.writeString(logDir, "a file where the log's directory was");
    URI endpoint = URI.create("http://127.0.0.1:9/h");
    WebhookMessage message = WebhookMessage.of(Event.builder(DynamicEvent.of("t", Map.of()))
        .id("m").timestamp(Instant.EPOCH).build());
    log.rejected(message, new AttemptResult(endpoint, 1, 404, null, Duration.ZERO),
        new WebhookDelivery("m", endpoint, DeliveryOutcome.REJECTED, 1, 404, null));

    CompletableFuture<Throwable> flushed = new CompletableFuture<>();
    Thread flusher = new Thread(() -> flushed.complete(catchThrowable(log::flush)), "flusher");
    flusher.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (flusher.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
      LockSupport.parkNanos(1_000_000); // a poll: the flush is queued once it waits
    }
    assertThat(flusher.getState()).isEqualTo(Thread.State.WAITING);
    log.close(); // the line cannot be written: given up after the close timeout

    assertThat(flushed.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed before writing").hasMessageNotContaining("buffer is full");
    assertThat(log.stats().unwritten()).isEqualTo(1);
  }
}
