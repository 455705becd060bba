package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The de-duplication memory, alone and under concurrent claims. */
class RecentIdsTest {

  static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

  @Test
  void claimAcceptRelease_lifecycle() {
    RecentIds ids = new RecentIds(Duration.ofSeconds(10), 2);

    assertThat(ids.claim("a", T0)).isEqualTo(RecentIds.Claim.CLAIMED);
    assertThat(ids.claim("a", T0)).isEqualTo(RecentIds.Claim.IN_FLIGHT);
    ids.release("a");
    assertThat(ids.claim("a", T0)).isEqualTo(RecentIds.Claim.CLAIMED);
    ids.accept("a", T0);
    // The window and one second more: signed times are whole seconds.
    assertThat(ids.claim("a", T0.plusMillis(10_999))).isEqualTo(RecentIds.Claim.DUPLICATE);
    assertThat(ids.claim("b", T0)).isEqualTo(RecentIds.Claim.CLAIMED);
    assertThat(ids.claim("c", T0)).isEqualTo(RecentIds.Claim.FULL);
    assertThat(ids.claim("c", T0.plusSeconds(11))).isEqualTo(RecentIds.Claim.CLAIMED);
    assertThat(ids.claim("a", T0.plusSeconds(11))).isEqualTo(RecentIds.Claim.FULL);
  }

  @Test
  void clockSteppingBack_neverShortensAnIdsMemory() {
    RecentIds ids = new RecentIds(Duration.ofSeconds(10), 10);
    ids.claim("a", T0);
    ids.accept("a", T0);
    ids.claim("b", T0.minusSeconds(5));
    ids.accept("b", T0.minusSeconds(5));

    assertThat(ids.claim("a", T0.plusMillis(9_999))).isEqualTo(RecentIds.Claim.DUPLICATE);
    assertThat(ids.claim("b", T0.plusMillis(4_999))).isEqualTo(RecentIds.Claim.DUPLICATE);
  }

  @Test
  void concurrentClaimsOfOneId_exactlyOneWins_inEveryRound() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 500; round++) {
        RecentIds ids = new RecentIds(Duration.ofMinutes(1), 1000);
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicInteger winners = new AtomicInteger();
        List<Future<?>> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          all.add(pool.submit(() -> {
            start.await();
            if (ids.claim("same", T0) == RecentIds.Claim.CLAIMED) {
              winners.incrementAndGet();
              ids.accept("same", T0);
            }
            return null;
          }));
        }
        for (Future<?> f : all) {
          f.get(10, TimeUnit.SECONDS);
        }
        assertThat(winners).hasValue(1);
        assertThat(ids.size()).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
