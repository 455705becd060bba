package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.internal.Settings;
import io.github.eventbus.jsonl.Durability;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Adversary probes of duration options far beyond 146 years: every huge timeout must neither
 * throw nor overflow, in retry policies, the bus's options and the JSON Lines writer's.
 */
class HugeTimeoutAdversaryTest {

  @TempDir Path dir;

  private static final List<Duration> HUGE = List.of(Duration.ofSeconds(Long.MAX_VALUE,
      999_999_999), Duration.ofSeconds(Long.MAX_VALUE / 2), Duration.ofDays(365L * 147),
      Settings.MAX_DURATION.plusNanos(1), Settings.MAX_DURATION);

  static IntStream seeds() {
    return IntStream.rangeClosed(1, 8);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void retryPolicy_hugeDelaysAndMultiplier_delaysSaturateNeverThrow(int seed) {
    Random random = new Random(seed);
    for (int round = 0; round < 200; round++) {
      Duration initial = HUGE.get(random.nextInt(HUGE.size()));
      Duration max = HUGE.get(random.nextInt(HUGE.size()));
      if (random.nextBoolean()) {
        initial = Duration.ofNanos(1 + random.nextInt(1000));
      }
      RetryPolicy.Builder b = RetryPolicy.builder().maxAttempts(1 + random.nextInt(2000))
          .initialDelay(initial).multiplier(random.nextBoolean() ? 1e300 : 1 + random.nextDouble())
          .jitter(random.nextDouble()).maxElapsed(HUGE.get(random.nextInt(HUGE.size())));
      if (random.nextBoolean()) {
        b.maxDelay(max);
      }
      RetryPolicy policy;
      try {
        policy = b.build();
      } catch (IllegalStateException maxShorterThanInitial) {
        continue; // documented refusal; checked against the clamped values below
      }
      assertThat(policy.initialDelay()).isLessThanOrEqualTo(Settings.MAX_DURATION);
      assertThat(policy.maxDelay()).isLessThanOrEqualTo(Settings.MAX_DURATION);
      for (int attempt : new int[] {2, 3, 64, 1100, policy.maxAttempts()}) {
        if (attempt < 2 || attempt > policy.maxAttempts()) {
          continue;
        }
        Duration d = policy.delayBefore(attempt, random.nextDouble());
        assertThat(d.isNegative()).as("negative delay before %d of %s", attempt, policy)
            .isFalse();
        assertThat(d).as("delay before %d of %s", attempt, policy)
            .isLessThanOrEqualTo(Settings.MAX_DURATION);
        policy.allowsAttempt(attempt, HUGE.get(random.nextInt(HUGE.size())));
        policy.allowsAttempt(attempt, Settings.MAX_DURATION.plus(d));
      }
    }
  }

  @Test
  @Timeout(60)
  void bus_hugeTimeoutsAndRetryDelay_retryWaitsThenCloseDiscardsIt() throws Exception {
    for (Duration huge : HUGE) {
      EventBus bus = EventBus.builder().name("adv-huge").workers(1)
          .backpressure(BackpressurePolicy.BLOCK).blockTimeout(huge).drainTimeout(huge)
          .exceptionHandler((e, c) -> { }).build();
      Subscription s = bus.on(String.class).retry(RetryPolicy.builder().maxAttempts(3)
          .initialDelay(huge).maxDelay(huge).maxElapsed(huge).build())
          .subscribe(m -> {
            throw new ProbeLedger.PlannedFailure();
          });
      CompletableFuture<DeliveryReport> report = bus.publishAndTrack("x").toCompletableFuture();
      assertThat(TestThreads.await(() -> bus.metrics().totals().retried() == 1,
          Duration.ofSeconds(20))).as("retry scheduled for %s", huge).isTrue();
      assertThat(bus.metrics().queueDepth()).isEqualTo(1);
      s.close();
      assertThat(report.get(20, TimeUnit.SECONDS).outcomes().get(0).status())
          .isEqualTo(DeliveryStatus.UNSUBSCRIBED);
      assertThat(bus.metrics().totals().discarded()).isEqualTo(1);
      assertThat(bus.metrics().queueDepth()).isZero();
      Subscription s2 = bus.on(Integer.class).retry(RetryPolicy.builder().maxAttempts(3)
          .initialDelay(huge).build()).subscribe(m -> {
            throw new ProbeLedger.PlannedFailure();
          });
      CompletableFuture<DeliveryReport> sync = bus.publishSyncAndTrack(1).toCompletableFuture();
      assertThat(bus.metrics().totals().retried()).as("sync retry for %s", huge).isEqualTo(2);
      s2.close();
      assertThat(sync.get(20, TimeUnit.SECONDS).outcomes().get(0).status())
          .isEqualTo(DeliveryStatus.UNSUBSCRIBED);
      // Nothing left to drain: the huge drain timeout does not hold close() (it waits for
      // pending retries by design, so none may be left waiting here).
      bus.close();
      assertThat(bus.metrics().queueDepth()).isZero();
    }
  }

  @Test
  @Timeout(60)
  void jsonLinesWriter_hugeTimeouts_writesAcknowledgesAndCloses() throws Exception {
    int n = 0;
    for (Duration huge : HUGE) {
      for (Durability durability : Durability.values()) {
        Path file = dir.resolve("huge" + n++ + ".jsonl");
        JsonLinesWriter<Object> writer = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
            .durability(durability).offerTimeout(huge).retryDelay(huge).flushInterval(huge)
            .closeTimeout(huge).bufferCapacity(4).build();
        for (int i = 0; i < 20; i++) {
          writer.append(i);
        }
        writer.appendAcknowledged("last").get(20, TimeUnit.SECONDS);
        writer.flush().get(20, TimeUnit.SECONDS);
        writer.close();
        assertThat(Files.readAllLines(file)).as("%s %s", huge, durability).hasSize(21);
        assertThat(writer.stats().written()).isEqualTo(21);
      }
    }
  }
}
