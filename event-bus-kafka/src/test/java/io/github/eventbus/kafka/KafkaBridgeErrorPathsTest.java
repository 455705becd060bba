package io.github.eventbus.kafka;

import static io.github.eventbus.kafka.RawKafka.line;
import static io.github.eventbus.kafka.RawKafka.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.BackpressurePolicy;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventBusBuilder;
import io.github.eventbus.EventInterceptor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Errors from user code on the consumer thread, and a close from an interrupted thread: the
 * bridge goes on consuming, commits only what the bus took, and closes whole.
 */
class KafkaBridgeErrorPathsTest extends BridgeProbes {

  @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();

  @Override
  KafkaBroker kafka() {
    return kafka;
  }

  /**
   * A bus with one queue place that refuses what does not fit, whose subscriber to
   * {@code pattern} holds the first event until {@code gate} opens, then records each {@code n}.
   */
  private EventBus gatedRefusingBus(EventBusBuilder builder, String pattern,
      CountDownLatch gate, List<Integer> seen) {
    EventBus bus = closing(builder.workers(1).queueCapacity(1)
        .backpressure(BackpressurePolicy.REJECT).build());
    bus.subscribe(pattern, e -> {
      gate.await();
      seen.add(n(e));
    });
    return bus;
  }

  @Test
  void aDeadLetterHandlerThrowingAnError_doesNotStopTheConsumer() throws Exception {
    kafka.createTopic("err-dead", 1);
    RawKafka raw = raw();
    raw.send("err-dead", utf8("not json"));
    raw.send("err-dead", line("ok.n", Map.of()));
    EventBus bus = bus("err-dead");
    bus.subscribe(DeadLetter.class, d -> {
      throw new AssertionError("dead-letter handler broke");
    });
    Received events = Received.on(bus, "ok.*");
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    KafkaBridge bridge = closing(bridge(bus).consume("err-dead").groupId("err-dead")
        .synchronousDelivery(true).threadFactory(withHandler((t, e) -> uncaught.add(e))).build());

    assertThat(events.awaitAtLeast(1)).extracting(Event::type).containsExactly("ok.n");
    assertThat(uncaught).singleElement().isInstanceOf(AssertionError.class);
    bridge.close();
    assertThat(raw.committed("err-dead", "err-dead", 0)).isEqualTo(2);
  }

  @Test
  void anInterceptorErrorOnAPublishTheBusRefused_leavesTheRecordUncommitted_andItIsRetried()
      throws Exception {
    kafka.createTopic("err-refused", 1);
    int total = 10;
    RawKafka raw = raw();
    for (int i = 0; i < total; i++) {
      raw.send("err-refused", line("m.n", Map.of("n", i)));
    }
    CountDownLatch gate = new CountDownLatch(1);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    EventBus bus = gatedRefusingBus(EventBus.builder().name("err-refused")
        .interceptor(new EventInterceptor() {
          @Override
          public Event<?> onPublish(Event<?> event) {
            if (event.type().equals("m.n")) {
              throw new AssertionError("interceptor broke");
            }
            return event;
          }
        }), "m.*", gate, seen);
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    KafkaBridge bridge = closing(bridge(bus).consume("err-refused").groupId("err-refused")
        .pauseBackoff(Duration.ofMillis(20))
        .threadFactory(withHandler((t, e) -> uncaught.add(e))).build());

    Eventually.await(() -> bus.metrics().totals().rejected() > 0, bus::metrics);
    gate.countDown();

    Eventually.await(() -> seen.size() >= total, () -> seen + " " + bridge.metrics());
    assertThat(seen).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(bridge.metrics().pauses()).isPositive();
    assertThat(uncaught).isNotEmpty()
        .allSatisfy(e -> assertThat(e).isInstanceOf(AssertionError.class));
    bridge.close();
    assertThat(raw.committed("err-refused", "err-refused", 0)).isEqualTo(total);
  }

  @Test
  void close_fromAnInterruptedThread_closesTheSubscriptionsAndKeepsTheFlag() throws Exception {
    kafka.createTopic("err-intr", 1);
    EventBus bus = bus("err-intr");
    List<DeadLetter> dead = deadLetters(bus);
    KafkaBridge bridge = closing(bridge(bus).produce("intr.*", "err-intr").build());
    bus.publishSync(DynamicEvent.of("intr.n", Map.of("n", 1)));
    Eventually.await(() -> bridge.metrics().produced() >= 1, bridge::metrics);

    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flagKept = new AtomicReference<>();
    Thread closer = new Thread(() -> {
      Thread.currentThread().interrupt();
      try {
        bridge.close();
      } catch (Throwable t) {
        thrown.set(t);
      }
      flagKept.set(Thread.currentThread().isInterrupted());
    });
    closer.start();
    closer.join(60_000);

    assertThat(closer.isAlive()).isFalse();
    assertThat(thrown.get()).isNull();
    assertThat(flagKept.get()).isTrue();
    bus.publishSync(DynamicEvent.of("intr.n", Map.of("n", 2))); // no subscription of the bridge
    assertThat(bridge.metrics().produceFailed()).isZero();
    assertThat(dead).isEmpty();
  }

  /** The system clock plus an offset the test can step. */
  static final class SteppingClock extends Clock {
    final AtomicLong offsetMillis = new AtomicLong();

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plusMillis(offsetMillis.get());
    }
  }

  @Test
  void aPausedPartition_resumesAfterTheClockStepsBack_notAfterTheStep() throws Exception {
    kafka.createTopic("err-step", 1);
    int total = 20;
    RawKafka raw = raw();
    for (int i = 0; i < total; i++) {
      raw.send("err-step", line("load.n", Map.of("n", i)));
    }
    CountDownLatch gate = new CountDownLatch(1);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    EventBus bus = gatedRefusingBus(EventBus.builder().name("err-step"), "load.*", gate, seen);
    SteppingClock clock = new SteppingClock();
    KafkaBridge bridge = closing(bridge(bus).consume("err-step").groupId("err-step")
        .pauseBackoff(Duration.ofMillis(20)).clock(clock).build());
    Eventually.await(() -> bridge.metrics().pauses() >= 1, bridge::metrics);

    clock.offsetMillis.set(-Duration.ofHours(1).toMillis()); // an NTP step back, say
    gate.countDown();

    Eventually.await(() -> seen.size() >= total, () -> seen.size() + " " + bridge.metrics());
    assertThat(seen).hasSize(total);
  }

  /**
   * A poll that fails every time (here: a new group with {@code auto.offset.reset=none}, so no
   * offset to start from) is retried, counted in {@code pollFailures} and logged rate-limited;
   * the bridge stays open and closes whole.
   */
  @Test
  void aPollThatFailsEveryTime_isCountedAndRetried_andTheBridgeClosesWhole() throws Exception {
    kafka.createTopic("err-poll", 1);
    EventBus bus = bus("err-poll");
    KafkaBridge bridge = closing(bridge(bus).consume("err-poll").groupId("err-poll-none")
        .consumerProperty("auto.offset.reset", "none").build());

    Eventually.await(() -> bridge.metrics().pollFailures() >= 3, bridge::metrics);
    assertThat(bridge.metrics().consumed()).isZero();
    bridge.close();
    assertThat(bridge.metrics().commitFailures()).isZero();
  }
}
