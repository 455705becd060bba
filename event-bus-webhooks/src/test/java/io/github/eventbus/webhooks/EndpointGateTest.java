package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The per-endpoint gate: at most its permits in flight, every attempt run once. */
class EndpointGateTest {

  @Test
  void gateKey_isOneHoweverSchemeHostAndDefaultPortAreSpelled() {
    List<String> spellings = List.of("http://localhost/a", "HTTP://localhost:80/b",
        "http://LOCALHOST/c", "Http://LocalHost:80/d?q=1");
    assertThat(spellings).extracting(u -> EndpointGate.gateKey(URI.create(u)))
        .containsOnly("http://localhost:80");
    assertThat(EndpointGate.gateKey(URI.create("HTTPS://Example.COM/x")))
        .isEqualTo(EndpointGate.gateKey(URI.create("https://example.com:443/y")));
    assertThat(List.of("http://[::1]:8080/a", "http://[0:0:0:0:0:0:0:1]:8080/b",
        "HTTP://[0::1]:8080/c")).extracting(u -> EndpointGate.gateKey(URI.create(u)))
        .containsOnly(EndpointGate.gateKey(URI.create("http://[::1]:8080/")));
    assertThat(EndpointGate.gateKey(URI.create("http://[::ffff:127.0.0.1]:8080/")))
        .isEqualTo(EndpointGate.gateKey(URI.create("http://127.0.0.1:8080/")));
    assertThat(EndpointGate.gateKey(URI.create("http://[FE80:0::1%25eth0]/")))
        .isEqualTo(EndpointGate.gateKey(URI.create("http://[fe80::1%25eth0]/")))
        .isNotEqualTo(EndpointGate.gateKey(URI.create("http://[fe80::1%25eth1]/")));
    assertThat(EndpointGate.gateKey(URI.create("http://example.com:8080/")))
        .isNotEqualTo(EndpointGate.gateKey(URI.create("http://example.com/")))
        .isNotEqualTo(EndpointGate.gateKey(URI.create("https://example.com:8080/")));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(ints = {1, 2, 3})
  void manyThreads_neverMoreInFlightThanPermits_everyAttemptRunsOnce(int seed) throws Exception {
    int permits = 3;
    int threads = 6;
    int perThread = 5_000;
    EndpointGate gate = new EndpointGate(permits);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger ran = new AtomicInteger();
    ExecutorService answers = Executors.newFixedThreadPool(2);
    ExecutorService senders = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Random random = new Random(seed * 31L + t);
      done.add(senders.submit(() -> {
        start.await();
        for (int i = 0; i < perThread; i++) {
          boolean quick = random.nextBoolean();
          gate.enter(() -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            ran.incrementAndGet();
            answers.execute(() -> { // answered on another thread, at once or a moment later
              if (!quick) {
                Thread.yield();
              }
              inFlight.decrementAndGet();
              gate.leave();
            });
          });
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (ran.get() < threads * perThread || inFlight.get() > 0) {
      assertThat(System.nanoTime() - deadline).as("ran %s", ran).isNegative();
      Thread.onSpinWait();
    }
    answers.shutdown();
    senders.shutdown();
    assertThat(answers.awaitTermination(20, TimeUnit.SECONDS)).isTrue();

    assertThat(ran).hasValue(threads * perThread);
    assertThat(most.get()).isBetween(1, permits);
    AtomicInteger after = new AtomicInteger();
    for (int i = 0; i < permits; i++) {
      gate.enter(after::incrementAndGet);
    }
    assertThat(after).as("every permit is free again").hasValue(permits);
  }
}
