package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IsoInstantsTest {

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void format_matchesInstantToString(long seed) {
    Random random = new Random(seed);
    IsoInstants formatter = new IsoInstants();
    long base = Instant.parse("2026-11-23T10:00:00Z").getEpochSecond();
    for (int i = 0; i < 10_000; i++) {
      long second = random.nextInt(4) == 0 ? random.nextLong(253_402_300_800L) : base + random.nextInt(3);
      int nanos = switch (random.nextInt(4)) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        default -> random.nextInt(1_000_000_000);
      };
      Instant instant = Instant.ofEpochSecond(second, nanos);
      assertThat(formatter.format(instant)).isEqualTo(instant.toString());
    }
  }
}
