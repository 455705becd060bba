package io.github.eventbus.outside;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.BackpressurePolicy;
import io.github.eventbus.DeliveryReport;
import io.github.eventbus.DeliveryStatus;
import io.github.eventbus.EventBus;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.audit.AuditEntry;
import io.github.eventbus.audit.AuditLog;
import io.github.eventbus.audit.AuditReader;
import io.github.eventbus.jsonl.Durability;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * "No limit" written as a huge duration: every duration option takes any length, counts one
 * longer than about 146 years as 146 years, and nothing computed from it overflows, so no publish,
 * retry or close fails with an {@code ArithmeticException} and no event is lost to one.
 */
class HugeDurationsTest {

  private static final Duration CAP = Duration.ofNanos(Long.MAX_VALUE / 2);
  private static final long WAIT_SECONDS = 20;

  @TempDir
  Path dir;

  /** 1,000 years, the largest {@code Duration}, and one just past the 146-year cap. */
  @ParameterizedTest
  @ValueSource(longs = {365_000L * 86_400, Long.MAX_VALUE, Long.MAX_VALUE / 2_000_000_000L + 1})
  void retryPolicy_hugeMaxDelay_isCappedAndItsDelaysAreComputed(long maxDelaySeconds) {
    RetryPolicy policy = RetryPolicy.builder().initialDelay(Duration.ofMillis(1))
        .maxDelay(Duration.ofSeconds(maxDelaySeconds)).jitter(0).build();
    assertThat(policy.maxDelay()).isEqualTo(CAP);
    assertThat(policy.delayBefore(2, 0.5)).isEqualTo(Duration.ofMillis(1));
    assertThat(policy.delayBefore(1_000, 0.5)).isEqualTo(CAP);
  }

  @Test
  void retryPolicy_hugeInitialDelay_waitsTheCap() {
    RetryPolicy policy = RetryPolicy.builder().initialDelay(Duration.ofSeconds(Long.MAX_VALUE))
        .maxDelay(Duration.ofSeconds(Long.MAX_VALUE)).maxElapsed(Duration.ofSeconds(Long.MAX_VALUE))
        .jitter(0.5).build();
    assertThat(policy.initialDelay()).isEqualTo(CAP);
    assertThat(policy.delayBefore(2, 1.0)).isEqualTo(CAP);
    assertThat(policy.allowsAttempt(2, CAP)).isTrue();
  }

  @Test
  void retryDueInACentury_isReportedUndeliveredWhenTheBusCloses() throws Exception {
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(2)
        .initialDelay(Duration.ofSeconds(Long.MAX_VALUE)).maxDelay(Duration.ofSeconds(Long.MAX_VALUE))
        .build();
    CompletableFuture<DeliveryReport> report;
    try (EventBus bus = EventBus.builder().name("century").drainTimeout(Duration.ofMillis(200))
        .build()) {
      bus.on(String.class).retry(policy).subscribe(s -> {
        throw new IllegalStateException("always fails");
      });
      report = bus.publishAndTrack("x").toCompletableFuture();
    }
    assertThat(report.get(WAIT_SECONDS, TimeUnit.SECONDS).outcomes()).singleElement()
        .satisfies(o -> assertThat(o.status()).isEqualTo(DeliveryStatus.UNDELIVERED));
  }

  @Test
  void bus_hugeBlockAndDrainTimeouts_deliversAndCloses() {
    AtomicInteger seen = new AtomicInteger();
    EventBus bus = EventBus.builder().name("forever").queueCapacity(1)
        .backpressure(BackpressurePolicy.BLOCK).blockTimeout(Duration.ofSeconds(Long.MAX_VALUE))
        .drainTimeout(Duration.ofSeconds(Long.MAX_VALUE)).build();
    bus.subscribe(Integer.class, i -> seen.incrementAndGet());
    for (int i = 0; i < 100; i++) {
      bus.publish(i); // a full queue waits for room, with no overflowed deadline
    }
    bus.close(); // waits for the queue, with no overflowed deadline either
    assertThat(seen).hasValue(100);
    assertThat(bus.metrics().totals().undelivered()).isZero();
  }

  @Test
  void auditLog_hugeTimeouts_logsAcknowledgedAndCloses() throws Exception {
    Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
    try (AuditLog audit = AuditLog.builder(dir).durability(Durability.FLUSH).acknowledge(forever)
        .retryDelay(forever).closeTimeout(forever).build();
        EventBus bus = EventBus.builder().name("audited").auditLog(audit).build()) {
      bus.subscribe(String.class, s -> { });
      bus.publishSync("kept");
    }
    try (Stream<AuditEntry> entries = AuditReader.builder().build().read(dir)) {
      assertThat(entries).hasSize(1);
    }
  }

  @Test
  void jsonLinesWriter_hugeTimeoutsAndFlushInterval_writesEveryLineByClose() throws Exception {
    Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
    Path file = dir.resolve("lines.jsonl");
    try (JsonLinesWriter<String> writer = JsonLinesWriter.<String>toFile(file,
            (line, generator) -> generator.writeString(line))
        .offerTimeout(forever).retryDelay(forever).flushInterval(forever).closeTimeout(forever)
        .build()) {
      for (int i = 0; i < 10; i++) {
        assertThat(writer.append("line-" + i)).isTrue();
      }
    }
    assertThat(Files.readAllLines(file)).hasSize(10);
  }
}
