package io.github.eventbus.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.BackpressurePolicy;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventBusBuilder;
import io.github.eventbus.ReentrantDispatch;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.Subscribe;
import io.github.eventbus.SubscriptionBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The builders' written promises: every option set once with a message naming it, nulls refused
 * naming the option, the documented defaults and the documented value ranges.
 */
class BuilderPromisesTest {

  private static final ScheduledExecutorService SCHEDULER =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "builder-promises-scheduler");
        t.setDaemon(true);
        return t;
      });

  /** Each option of EventBusBuilder, as a user would set it with a legal value. */
  static Stream<Arguments> busOptions() {
    Clock clock = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
    return Stream.of(
        option("name", b -> b.name("a")),
        option("source", b -> b.source("s")),
        option("clock", b -> b.clock(clock)),
        option("workers", b -> b.workers(1)),
        option("executor", b -> b.executor(Runnable::run)),
        option("queueCapacity", b -> b.queueCapacity(1)),
        option("backpressure", b -> b.backpressure(BackpressurePolicy.REJECT)),
        option("blockTimeout", b -> b.blockTimeout(Duration.ofSeconds(1))),
        option("scheduler", b -> b.scheduler(SCHEDULER)),
        option("jitterSource", b -> b.jitterSource(() -> 0.5)),
        option("exceptionHandler", b -> b.exceptionHandler((e, c) -> {})),
        option("drainTimeout", b -> b.drainTimeout(Duration.ZERO)),
        option("latencySampling", b -> b.latencySampling(1)),
        option("maxTrackedTypes", b -> b.maxTrackedTypes(1)),
        option("propagateMdc", b -> b.propagateMdc(false)),
        option("reentrantDispatch", b -> b.reentrantDispatch(ReentrantDispatch.QUEUED)),
        option("closeOnShutdown", EventBusBuilder::closeOnShutdown));
  }

  private static Arguments option(String name, Consumer<EventBusBuilder> set) {
    return Arguments.of(name, set);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("busOptions")
  void busBuilder_eachOptionSetTwice_failsNamingTheOption(String option, Consumer<EventBusBuilder> set) {
    EventBusBuilder builder = EventBus.builder();
    set.accept(builder);
    assertThatThrownBy(() -> set.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(option + " ");
  }

  @Test
  void busBuilder_nullValues_failNamingTheOption() {
    assertThatThrownBy(() -> EventBus.builder().name(null)).hasMessage("name");
    assertThatThrownBy(() -> EventBus.builder().source(null)).hasMessage("source");
    assertThatThrownBy(() -> EventBus.builder().clock(null)).hasMessage("clock");
    assertThatThrownBy(() -> EventBus.builder().executor(null)).hasMessage("executor");
    assertThatThrownBy(() -> EventBus.builder().backpressure(null)).hasMessage("backpressure");
    assertThatThrownBy(() -> EventBus.builder().blockTimeout(null)).hasMessage("blockTimeout");
    assertThatThrownBy(() -> EventBus.builder().scheduler(null)).hasMessage("scheduler");
    assertThatThrownBy(() -> EventBus.builder().jitterSource(null)).hasMessage("jitterSource");
    assertThatThrownBy(() -> EventBus.builder().exceptionHandler(null))
        .hasMessage("exceptionHandler");
    assertThatThrownBy(() -> EventBus.builder().drainTimeout(null)).hasMessage("drainTimeout");
    assertThatThrownBy(() -> EventBus.builder().interceptor(null)).hasMessage("interceptor");
    assertThatThrownBy(() -> EventBus.builder().contextPropagator(null)).hasMessage("propagator");
    assertThatThrownBy(() -> EventBus.builder().reentrantDispatch(null))
        .hasMessage("reentrantDispatch");
  }

  @Test
  void busBuilder_name_boundsOfTheAlphabetAndLength() {
    String longest = "n".repeat(64);
    try (EventBus bus = EventBus.builder().name(longest).build()) {
      assertThat(bus.name()).isEqualTo(longest);
    }
    for (String bad : new String[] {"", "n".repeat(65), "caf\u00e9", "a/b", "a b", "a\nb"}) {
      assertThatThrownBy(() -> EventBus.builder().name(bad))
          .as("name %s", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("name must be 1 to 64");
    }
    assertThatThrownBy(() -> EventBus.builder().source(" \t"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("source must not be blank");
  }

  @Test
  void busBuilder_executorThenWorkers_isRejectedToo() {
    assertThatThrownBy(() -> EventBus.builder().executor(Runnable::run).workers(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("workers cannot be combined with executor");
  }

  @ParameterizedTest
  @ValueSource(strings = {"REJECT", "DROP"})
  void busBuilder_blockTimeoutWithAPolicyThatNeverBlocks_failsAtBuild(BackpressurePolicy policy) {
    EventBusBuilder builder = EventBus.builder().blockTimeout(Duration.ofSeconds(1))
        .backpressure(policy);
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("blockTimeout").hasMessageContaining(policy.name());
  }

  @Test
  void busBuilder_defaults_nameSourceAndDaemonWorkerThreadNamedAfterTheBus() throws Exception {
    try (EventBus bus = EventBus.builder().build()) {
      assertThat(bus.name()).isEqualTo("event-bus");
      CountDownLatch seen = new CountDownLatch(1);
      String[] where = new String[3];
      bus.subscribeEnvelope(String.class, e -> {
        where[0] = e.source();
        where[1] = Thread.currentThread().getName();
        where[2] = String.valueOf(Thread.currentThread().isDaemon());
        seen.countDown();
      });
      bus.publish("x");
      assertThat(seen.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(where[0]).isEqualTo("event-bus");
      assertThat(where[1]).matches("event-bus-worker-\\d+");
      assertThat(where[2]).isEqualTo("true");
    }
  }

  @Test
  void busBuilder_buildCopiesOptions_interceptorAddedLaterDoesNotReachTheFirstBus() {
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    EventBusBuilder builder = EventBus.builder();
    try (EventBus first = builder.build()) {
      builder.interceptor(new io.github.eventbus.EventInterceptor() {
        @Override
        public io.github.eventbus.Event<?> onPublish(io.github.eventbus.Event<?> event) {
          seen.add(String.valueOf(event.payload()));
          return event;
        }
      });
      try (EventBus second = builder.build()) {
        first.subscribe(String.class, s -> {});
        second.subscribe(String.class, s -> {});
        first.publishSync("first");
        second.publishSync("second");
      }
    }
    assertThat(seen).containsExactly("second");
  }

  @Test
  void subscriptionBuilder_everyOptionSetOnce_namesIt_andBlankNameRefused() {
    try (EventBus bus = EventBus.builder().build()) {
      SubscriptionBuilder<String> b = bus.on(String.class).name("n").priority(1)
          .filter(s -> true).retry(RetryPolicy.none()).concurrent();
      assertThatThrownBy(() -> b.name("m")).hasMessageStartingWith("name ");
      assertThatThrownBy(() -> b.filter(s -> true)).hasMessageStartingWith("filter ");
      assertThatThrownBy(() -> b.retry(RetryPolicy.none())).hasMessageStartingWith("retry ");
      assertThatThrownBy(b::concurrent)
          .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("concurrent ");
      assertThatThrownBy(() -> bus.on(String.class).name(" "))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank");
      assertThatThrownBy(() -> bus.on(String.class).subscribe(null)).hasMessage("handler");
      b.subscribeEnvelope(e -> {});
      assertThatThrownBy(() -> b.subscribe(s -> {}))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("already subscribed");
    }
  }

  @Test
  void subscriptionBuilder_subscribeAfterBusClosed_throwsIllegalState() {
    EventBus bus = EventBus.builder().build();
    SubscriptionBuilder<String> b = bus.on(String.class);
    bus.close();
    assertThatThrownBy(() -> b.subscribe(s -> {})).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> bus.subscribe("a.*", e -> {}))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> bus.register(new Listener()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class);
  }

  /** A Guava-style listener. */
  public static final class Listener {
    @Subscribe
    public void on(String s) {}
  }

  @Test
  void retryPolicy_defaults_areTheDocumentedOnes() {
    RetryPolicy p = RetryPolicy.builder().build();
    assertThat(p.maxAttempts()).isEqualTo(3);
    assertThat(p.initialDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(p.multiplier()).isEqualTo(2.0);
    assertThat(p.maxDelay()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.jitter()).isEqualTo(0.2);
    assertThat(p.maxElapsed()).isEmpty();
    RetryPolicy none = RetryPolicy.none();
    assertThat(none.maxAttempts()).isEqualTo(1);
    assertThat(none.allowsAttempt(2, Duration.ZERO)).isFalse();
  }

  @Test
  void retryPolicy_badValues_failFastNamingTheOption() {
    for (double bad : new double[] {0.99, Double.NaN, Double.POSITIVE_INFINITY, -1}) {
      assertThatThrownBy(() -> RetryPolicy.builder().multiplier(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("multiplier ");
    }
    for (double bad : new double[] {-0.01, 1.01, Double.NaN}) {
      assertThatThrownBy(() -> RetryPolicy.builder().jitter(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("jitter ");
    }
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
        .hasMessageStartingWith("maxAttempts ");
    assertThatThrownBy(() -> RetryPolicy.builder().maxElapsed(Duration.ZERO))
        .hasMessageStartingWith("maxElapsed ");
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(Duration.ofNanos(-1)))
        .hasMessageStartingWith("initialDelay ");
    assertThatThrownBy(() -> RetryPolicy.builder().maxDelay(null)).hasMessage("maxDelay");
    RetryPolicy.Builder twice = RetryPolicy.builder().jitter(0).multiplier(1);
    assertThatThrownBy(() -> twice.jitter(0)).hasMessageStartingWith("jitter ");
    assertThatThrownBy(() -> twice.multiplier(1)).hasMessageStartingWith("multiplier ");
    assertThatThrownBy(() -> RetryPolicy.builder().initialDelay(Duration.ofSeconds(2))
            .maxDelay(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("maxDelay").hasMessageContaining("initialDelay");
  }

  @Test
  void retryPolicy_fullJitter_spreadsFromZeroToTwiceTheDelay_cappedAtMaxDelay() {
    RetryPolicy p = RetryPolicy.builder().initialDelay(Duration.ofSeconds(1)).multiplier(1)
        .maxDelay(Duration.ofMillis(1500)).jitter(1).build();
    assertThat(p.delayBefore(2, 0.0)).isEqualTo(Duration.ZERO);
    assertThat(p.delayBefore(2, 0.5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.delayBefore(2, 1.0)).isEqualTo(Duration.ofMillis(1500));
    assertThat(p.delayBefore(1_000_000, 0.5)).isEqualTo(Duration.ofSeconds(1));
    assertThatThrownBy(() -> p.delayBefore(1, 0.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.delayBefore(2, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void retryPolicy_hugeAttemptNumber_staysAtTheCap() {
    RetryPolicy p = RetryPolicy.builder().maxAttempts(Integer.MAX_VALUE)
        .initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofSeconds(5)).jitter(0).build();
    assertThat(p.delayBefore(Integer.MAX_VALUE, 0.3)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void retryPolicy_maxElapsed_isInclusive() {
    RetryPolicy p = RetryPolicy.builder().maxAttempts(10).maxElapsed(Duration.ofSeconds(1)).build();
    assertThat(p.allowsAttempt(2, Duration.ofSeconds(1))).isTrue();
    assertThat(p.allowsAttempt(2, Duration.ofSeconds(1).plusNanos(1))).isFalse();
    assertThat(p.allowsAttempt(10, Duration.ZERO)).isTrue();
    assertThat(p.allowsAttempt(11, Duration.ZERO)).isFalse();
  }

  @Test
  void retryPolicy_maxDelayBeyond292Years_isAccepted_andDelaysStillComputed() {
    // maxDelay takes "zero or more"; a user writing a practically unbounded cap must not get an
    // ArithmeticException from the nanosecond conversion.
    RetryPolicy p = RetryPolicy.builder().initialDelay(Duration.ofMillis(1))
        .maxDelay(Duration.ofDays(365L * 1000)).jitter(0).build();
    assertThat(p.delayBefore(2, 0.5)).isEqualTo(Duration.ofMillis(1));
  }

  @Test
  void busBuilder_defaults_workersFollowTheProcessors_queueHolds65536Deliveries() throws Exception {
    int expectedWorkers = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("defaults-probe")
        .backpressure(BackpressurePolicy.REJECT).build()) {
      bus.start();
      assertThat(ProbeSupport.alive("defaults-probe-worker-")).hasSize(expectedWorkers);
      bus.subscribe(Integer.class, i -> {
        entered.countDown();
        release.await();
      });
      bus.publish(0);
      assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
      for (int i = 1; i < 65_536; i++) {
        bus.publish(i);
      }
      assertThatThrownBy(() -> bus.publish(65_536))
          .isInstanceOf(io.github.eventbus.RejectedEventException.class);
      assertThat(bus.metrics().queueDepth()).isEqualTo(65_536);
      release.countDown();
    }
  }
}
