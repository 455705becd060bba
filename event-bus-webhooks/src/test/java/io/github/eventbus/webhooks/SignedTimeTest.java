package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SignedTimeTest {

  private static final Duration TOLERANCE = Duration.ofSeconds(300);

  /** Against exact arithmetic, on random pairs and on pairs near the edges of long. */
  @ParameterizedTest
  @ValueSource(longs = {1L, 2L, 3L})
  void within_agreesWithExactArithmetic_forEveryPairOfLongs(long seed) {
    Random random = new Random(seed);
    long[] edges = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -301, -300, -1, 0, 1, 300, 301,
        1_700_000_000L, Long.MAX_VALUE - 1, Long.MAX_VALUE};
    for (int i = 0; i < 20_000; i++) {
      long now = i % 2 == 0 ? edges[random.nextInt(edges.length)] : random.nextLong();
      long signed = switch (i % 4) {
        case 0 -> edges[random.nextInt(edges.length)];
        case 1 -> now + random.nextInt(1_000) - 500; // may wrap: still a valid input
        default -> random.nextLong();
      };
      BigInteger apart = BigInteger.valueOf(now).subtract(BigInteger.valueOf(signed)).abs();
      assertThat(SignedTime.within(now, signed, TOLERANCE))
          .as("now %d, signed %d", now, signed)
          .isEqualTo(apart.compareTo(BigInteger.valueOf(300)) <= 0);
    }
  }
}
