package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {

  private final RetryPolicy policy = RetryPolicy.builder().maxAttempts(6)
      .initialDelay(Duration.ofMillis(100)).multiplier(2).maxDelay(Duration.ofSeconds(1))
      .jitter(0.25).build();

  @Test
  void delayBefore_growsExponentially_untilTheCap() {
    assertThat(policy.delayBefore(2, 0.5)).isEqualTo(Duration.ofMillis(100));
    assertThat(policy.delayBefore(3, 0.5)).isEqualTo(Duration.ofMillis(200));
    assertThat(policy.delayBefore(4, 0.5)).isEqualTo(Duration.ofMillis(400));
    assertThat(policy.delayBefore(5, 0.5)).isEqualTo(Duration.ofMillis(800));
    assertThat(policy.delayBefore(6, 0.5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(policy.delayBefore(60, 0.5)).isEqualTo(Duration.ofSeconds(1));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 7, 42, 1234})
  void delayBefore_withRandomJitter_staysWithinBounds(long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < 1000; i++) {
      int attempt = 2 + random.nextInt(6);
      long base = Math.min(1000, 100L << (attempt - 2));
      Duration d = policy.delayBefore(attempt, random.nextDouble());
      assertThat(d.toMillis()).isBetween((long) (base * 0.75), Math.min(1000, (long) (base * 1.25)));
    }
  }

  @Test
  void allowsAttempt_respectsMaxAttemptsAndElapsed() {
    RetryPolicy p = RetryPolicy.builder().maxAttempts(3).maxElapsed(Duration.ofSeconds(5)).build();
    assertThat(p.allowsAttempt(3, Duration.ofSeconds(5))).isTrue();
    assertThat(p.allowsAttempt(4, Duration.ZERO)).isFalse();
    assertThat(p.allowsAttempt(2, Duration.ofMillis(5001))).isFalse();
    assertThat(RetryPolicy.none().allowsAttempt(2, Duration.ZERO)).isFalse();
  }

  @Test
  void builder_rejectsBadValues() {
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5))
        .hasMessage("jitter must be between 0 and 1, but was 1.5");
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5))
        .hasMessageContaining("multiplier must be a finite number of at least 1");
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(Duration.ofSeconds(5))
            .maxDelay(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("shorter than initialDelay");
    assertThatThrownBy(() -> policy.delayBefore(1, 0.5)).hasMessageContaining("at least 2");
  }
}
