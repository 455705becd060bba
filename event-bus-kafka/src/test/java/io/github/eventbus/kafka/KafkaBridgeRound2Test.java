package io.github.eventbus.kafka;

import static io.github.eventbus.kafka.RawKafka.line;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventInterceptor;
import io.github.eventbus.Metadata;
import io.github.eventbus.audit.AuditFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Second-round probes of "from Kafka" as {@code kafka.origin_id == id}, of Errors from handlers
 * under synchronous delivery, and of ids kept as digests.
 */
class KafkaBridgeRound2Test extends BridgeProbes {

  @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();

  @Override
  KafkaBroker kafka() {
    return kafka;
  }
  // ---- Errors from handlers, interceptors and the uncaught-exception handler ----

  @Test
  void errorFromEveryRecord_withAThrowingUncaughtHandler_consumesAll_andLogsRateLimited()
      throws Exception {
    // Regression: a failing uncaught-exception handler was reported by a plain WARN per record;
    // failure logs are rate-limited.
    kafka.createTopic("r2-error-all", 1);
    RawKafka raw = raw();
    int total = 30;
    for (int n = 0; n < total; n++) {
      raw.send("r2-error-all", line("ea.n", Map.of("n", n)));
    }
    EventBus bus = bus("error-all");
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("ea.*", e -> {
      seen.add(n(e));
      throw new AssertionError("an Error for every record");
    });
    KafkaBridge bridge;
    String log;
    try (StderrCapture stderr = new StderrCapture()) {
      bridge = closing(bridge(bus).consume("r2-error-all").groupId("r2-error-all")
          .synchronousDelivery(true)
          .threadFactory(withHandler((t, e) -> {
            throw new IllegalStateException("the uncaught-exception handler fails too");
          })).build());
      Eventually.await(() -> bridge.metrics().consumed() == total, bridge::metrics);
      bridge.close();
      log = stderr.text();
    }
    assertThat(seen).hasSize(total);
    assertThat(bridge.metrics().handlerErrors()).isEqualTo(total);
    assertThat(raw.committed("r2-error-all", "r2-error-all", 0)).isEqualTo(total);
    long lines = log.lines().filter(l -> l.contains("uncaught-exception handler of")).count();
    assertThat(lines).as("WARN lines for %d records whose handler threw an Error", total)
        .isLessThanOrEqualTo(2);
  }

  @Test
  void uncaughtHandlerThrowingAnError_doesNotEndTheConsumerThread() throws Exception {
    // Regression: an Error from the uncaught-exception handler itself used to escape and end the
    // consumer thread while the bridge looked open.
    kafka.createTopic("r2-ueh-error", 1);
    RawKafka raw = raw();
    for (int n = 0; n < 4; n++) {
      raw.send("r2-ueh-error", line("ue.n", Map.of("n", n)));
    }
    EventBus bus = bus("ueh-error");
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("ue.*", e -> {
      seen.add(n(e));
      if (n(e) == 1) {
        throw new AssertionError("an Error from a handler");
      }
    });
    List<Thread> created = new CopyOnWriteArrayList<>();
    ThreadFactory rethrowing = withHandler((t, e) -> {
      throw new AssertionError("the uncaught-exception handler rethrows", e);
    });
    KafkaBridge bridge = closing(bridge(bus).consume("r2-ueh-error").groupId("r2-ueh-error")
        .synchronousDelivery(true).threadFactory(r -> {
          Thread t = rethrowing.newThread(r);
          created.add(t);
          return t;
        }).build());
    // 60 s, as elsewhere in this module: a group's first join can be slow on a loaded machine.
    boolean all = within(Duration.ofSeconds(60), () -> seen.size() == 4);
    assertThat(all).as("seen %s, metrics %s, bridge threads alive %s", seen, bridge.metrics(),
        created.stream().map(t -> t.getState().toString()).toList()).isTrue();
  }

  @Test
  void errorFromAnInterceptor_underAsynchronousDelivery_isHandedOn_committed_andConsumingGoesOn()
      throws Exception {
    kafka.createTopic("r2-interceptor", 1);
    RawKafka raw = raw();
    int total = 5;
    for (int n = 0; n < total; n++) {
      raw.send("r2-interceptor", line("ic.n", Map.of("n", n)));
    }
    EventBus bus = closing(EventBus.builder().name("interceptor").interceptor(
        new EventInterceptor() {
          @Override
          public Event<?> onPublish(Event<?> event) {
            if (event.type().equals("ic.n")) {
              throw new AssertionError("an Error from onPublish");
            }
            return event;
          }
        }).build());
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("ic.*", e -> seen.add(n(e)));
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    KafkaBridge bridge = closing(bridge(bus).consume("r2-interceptor").groupId("r2-interceptor")
        .threadFactory(withHandler((t, e) -> uncaught.add(e))).build());
    Eventually.await(() -> seen.size() == total && bridge.metrics().consumed() == total,
        () -> seen + " " + bridge.metrics());
    bridge.close();
    assertThat(uncaught).hasSize(total).allSatisfy(e -> assertThat(e).isInstanceOf(AssertionError.class));
    assertThat(bridge.metrics().handlerErrors()).isEqualTo(total);
    assertThat(raw.committed("r2-interceptor", "r2-interceptor", 0)).isEqualTo(total);
  }

  // ---- loops and forged origin headers ----

  @Test
  void twoBridgesMirroringEachOther_deliverAnEventOnceEachWay_andNeverProduceItBack()
      throws Exception {
    kafka.createTopic("r2-a2b", 1);
    kafka.createTopic("r2-b2a", 1);
    EventBus a = bus("mirror-a");
    EventBus b = bus("mirror-b");
    List<String> atA = new CopyOnWriteArrayList<>();
    List<String> atB = new CopyOnWriteArrayList<>();
    a.subscribe("mirror.*", e -> atA.add(e.type()));
    b.subscribe("mirror.*", e -> atB.add(e.type()));
    KafkaBridge ba = closing(bridge(a).produce("mirror.*", "r2-a2b").consume("r2-b2a")
        .groupId("r2-mirror-a").build());
    KafkaBridge bb = closing(bridge(b).produce("mirror.*", "r2-b2a").consume("r2-a2b")
        .groupId("r2-mirror-b").build());
    a.publishSync(DynamicEvent.of("mirror.first", Map.of()));
    Eventually.await(() -> atB.contains("mirror.first"), atB::toString);
    b.publishSync(DynamicEvent.of("mirror.sentinel", Map.of()));
    Eventually.await(() -> atA.contains("mirror.sentinel"), atA::toString);
    RawKafka raw = raw();
    assertThat(atA).containsExactly("mirror.first", "mirror.sentinel");
    assertThat(atB).containsExactly("mirror.first", "mirror.sentinel");
    assertThat(raw.end("r2-a2b", 0)).as("%s", ba.metrics()).isEqualTo(1);
    assertThat(raw.end("r2-b2a", 0)).as("%s", bb.metrics()).isEqualTo(1);
  }

  @Test
  void handlersThatAnswerEveryRemoteEvent_pingPongAcrossTwoBridges_untilTheApplicationStops()
      throws Exception {
    // Documents a consequence of change 2: a reply published with the received metadata is
    // produced, so two processes whose handlers each answer every remote event with an event the
    // other consumes exchange them for ever (before, the copied kafka.origin stopped the second
    // hop). Only the application's own bound (here 6 hops) ends it.
    kafka.createTopic("r2-ping-a2b", 1);
    kafka.createTopic("r2-ping-b2a", 1);
    EventBus a = bus("ping-a");
    EventBus b = bus("ping-b");
    List<Integer> hops = new CopyOnWriteArrayList<>();
    for (EventBus bus : List.of(a, b)) {
      bus.subscribe("ping.*", e -> {
        if (fromKafka(e)) {
          hops.add(n(e));
          if (n(e) < 6) {
            bus.publish(DynamicEvent.of("ping.reply", Map.of("n", n(e) + 1)), e.metadata());
          }
        }
      });
    }
    closing(bridge(a).produce("ping.*", "r2-ping-a2b").consume("r2-ping-b2a")
        .groupId("r2-ping-a").build());
    closing(bridge(b).produce("ping.*", "r2-ping-b2a").consume("r2-ping-a2b")
        .groupId("r2-ping-b").build());
    a.publish(DynamicEvent.of("ping.start", Map.of("n", 1)),
        Metadata.builder().correlationId("c-ping").build());
    Eventually.await(() -> hops.contains(6), hops::toString);
    assertThat(hops).containsExactly(1, 2, 3, 4, 5, 6);
  }

  @Test
  void forgedOriginHeadersInTheRecordValue_areOverwritten_soTheEventIsNotProducedBack()
      throws Exception {
    kafka.createTopic("r2-forged-in", 1);
    kafka.createTopic("r2-forged-out", 1);
    EventBus bus = bus("forged");
    List<Event<?>> received = new CopyOnWriteArrayList<>();
    bus.subscribe("forged.*", received::add);
    KafkaBridge bridge = closing(bridge(bus).consume("r2-forged-in").groupId("r2-forged")
        .produce("forged.*", "r2-forged-out").build());
    RawKafka raw = raw();
    raw.send("r2-forged-in", AuditFormat.standard().encode(
        Event.builder(DynamicEvent.of("forged.other", Map.of())).id("forged-1")
            .timestamp(Instant.parse("2026-01-01T00:00:00Z")).source("hostile")
            .metadata(Metadata.builder().header(BridgeHeaders.ORIGIN_ID, "someone-else")
                .header(BridgeHeaders.ORIGIN, "elsewhere/9/9").build()).build()));
    Eventually.await(() -> received.size() == 1, bridge::metrics);
    bus.publishSync(DynamicEvent.of("forged.sentinel", Map.of()));
    Eventually.await(() -> bridge.metrics().produced() == 1, bridge::metrics);
    Event<?> e = received.get(0);
    assertThat(e.metadata().headers()).containsEntry(BridgeHeaders.ORIGIN_ID, "forged-1")
        .containsEntry(BridgeHeaders.ORIGIN, "r2-forged-in/0/0");
    assertThat(raw.end("r2-forged-out", 0)).as("only the sentinel is produced; %s",
        bridge.metrics()).isEqualTo(1);
  }

  // ---- ids kept as digests ----

  @Test
  void longIds_areDeDuplicatedByDigest_andIdsDifferingInTheirLastCharacterAreNot()
      throws Exception {
    kafka.createTopic("r2-long-ids", 1);
    RawKafka raw = raw();
    String base = "i".repeat(100_000);
    raw.send("r2-long-ids", line(base + "a", "long.n", Map.of("n", 0)));
    raw.send("r2-long-ids", line(base + "a", "long.n", Map.of("n", 1)));
    raw.send("r2-long-ids", line(base + "b", "long.n", Map.of("n", 2)));
    EventBus bus = bus("long-ids");
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("long.*", e -> seen.add(n(e)));
    KafkaBridge bridge = closing(bridge(bus).consume("r2-long-ids").groupId("r2-long-ids")
        .synchronousDelivery(true).build());
    Eventually.await(() -> bridge.metrics().consumed() + bridge.metrics().duplicates() == 3,
        bridge::metrics);
    assertThat(seen).containsExactly(0, 2);
    assertThat(bridge.metrics().duplicates()).isEqualTo(1);
  }
}
