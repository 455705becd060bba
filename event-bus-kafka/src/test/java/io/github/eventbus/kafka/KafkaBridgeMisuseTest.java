package io.github.eventbus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.Metadata;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Probes of builder misuse, and of exact metrics and no threads left at quiescence. */
class KafkaBridgeMisuseTest extends BridgeProbes {

  @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();

  @Override
  KafkaBroker kafka() {
    return kafka;
  }

  // ---- builder misuse ----

  @Test
  void builderMisuse_failsFastNamingTheParameter() {
    EventBus bus = bus("misuse");
    KafkaBridgeBuilder b = KafkaBridge.builder(bus);
    assertThatThrownBy(() -> KafkaBridge.builder(null)).hasMessageContaining("bus");
    assertThatThrownBy(() -> b.bootstrapServers(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("bootstrapServers");
    assertThatThrownBy(() -> b.produce(null, "t")).hasMessageContaining("pattern");
    assertThatThrownBy(() -> b.produce("a", null)).hasMessageContaining("topic");
    assertThatThrownBy(() -> b.consume((String[]) null)).hasMessageContaining("topics");
    assertThatThrownBy(() -> b.consume("a", null)).hasMessageContaining("topic");
    assertThatThrownBy(() -> b.consume("a", " ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topic");
    assertThatThrownBy(() -> b.format(null)).hasMessageContaining("format");
    assertThatThrownBy(() -> b.key(null)).hasMessageContaining("key");
    assertThatThrownBy(() -> b.clock(null)).hasMessageContaining("clock");
    assertThatThrownBy(() -> b.threadFactory(null)).hasMessageContaining("threadFactory");
    assertThatThrownBy(() -> b.name(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> b.instanceId("")).hasMessageContaining("instanceId");
    assertThatThrownBy(() -> b.groupId("\t")).hasMessageContaining("groupId");
    assertThatThrownBy(() -> b.pollTimeout(Duration.ofMillis(-1)))
        .hasMessageContaining("pollTimeout");
    assertThatThrownBy(() -> b.closeTimeout(Duration.ZERO)).hasMessageContaining("closeTimeout");
    assertThatThrownBy(() -> b.pauseBackoff(null)).hasMessageContaining("pauseBackoff");
    assertThatThrownBy(() -> b.producerProperty("linger.ms", null))
        .hasMessageContaining("linger.ms");
    assertThatThrownBy(() -> b.consumerProperty(" ", 1)).hasMessageContaining("consumerProperty");
    b.name("n").instanceId("i").format(TYPED).key(RecordKey.type()).consume("t")
        .synchronousDelivery(true).dedupeWindow(Duration.ofSeconds(1)).dedupeCapacity(1)
        .pauseBackoff(Duration.ofMillis(1)).closeTimeout(Duration.ofSeconds(1))
        .clock(Clock.systemUTC()).threadFactory(Thread::new).consumerProperty("x", 1);
    assertThatThrownBy(() -> b.name("m")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> b.instanceId("j")).hasMessageContaining("instanceId");
    assertThatThrownBy(() -> b.format(TYPED)).hasMessageContaining("format");
    assertThatThrownBy(() -> b.key(RecordKey.type())).hasMessageContaining("key");
    assertThatThrownBy(() -> b.consume("u")).hasMessageContaining("consume");
    assertThatThrownBy(() -> b.synchronousDelivery(false))
        .hasMessageContaining("synchronousDelivery");
    assertThatThrownBy(() -> b.dedupeWindow(Duration.ofSeconds(2)))
        .hasMessageContaining("dedupeWindow");
    assertThatThrownBy(() -> b.dedupeCapacity(2)).hasMessageContaining("dedupeCapacity");
    assertThatThrownBy(() -> b.pauseBackoff(Duration.ofMillis(2)))
        .hasMessageContaining("pauseBackoff");
    assertThatThrownBy(() -> b.closeTimeout(Duration.ofSeconds(2)))
        .hasMessageContaining("closeTimeout");
    assertThatThrownBy(() -> b.clock(Clock.systemUTC())).hasMessageContaining("clock");
    assertThatThrownBy(() -> b.threadFactory(Thread::new)).hasMessageContaining("threadFactory");
    assertThatThrownBy(() -> b.consumerProperty("x", 2)).hasMessageContaining("x");
  }

  @Test
  void conflictingProducerProperty_failsAtBuild_withTheModulesException_andNoThreadLeft() {
    EventBus bus = bus("conflict");
    assertThatThrownBy(() -> bridge(bus).name("conflict")
        .producerProperty("max.in.flight.requests.per.connection", 10)
        .produce("*", "t").consume("t").groupId("g").build())
        .isInstanceOf(KafkaBridgeException.class).hasMessageContaining("conflict");
    assertThat(threadNames()).noneMatch(n -> n.contains("eventbus-kafka-conflict")
        || n.contains("eventbus-conflict-"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ssl.key.password", "ssl.engine.factory.class"})
  void aSecretUnderTheWrongKeyOrType_failsTheBuild_withoutItsValueInTheMessageOrTheCauses(
      String key) {
    EventBus bus = bus("secret-type");
    Object secret = key.endsWith("password") ? (Object) 4711_4711 : "hunter47114711";
    assertThatThrownBy(() -> bridge(bus).name("secret-type").produce("*", "t")
        .producerProperty(key, secret).build())
        .isInstanceOf(KafkaBridgeException.class)
        .hasMessageContaining(key)
        .satisfies(e -> {
          for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t)).doesNotContain("47114711");
          }
        });
  }

  @Test
  void buildTwice_givesTwoIndependentBridges() throws Exception {
    kafka.createTopic("probe-twice", 1);
    EventBus bus = bus("twice");
    KafkaBridgeBuilder b = bridge(bus).name("twice").produce("twice.*", "probe-twice");
    KafkaBridge one = b.build();
    KafkaBridge two = closing(b.build());
    assertThat(one.instanceId()).isNotEqualTo(two.instanceId());
    one.close();
    bus.publishSync(DynamicEvent.of("twice.event", Map.of()));
    Eventually.await(() -> two.metrics().produced() == 1, two::metrics);
    assertThat(one.metrics().produced()).isZero();
    assertThat(raw().end("probe-twice", 0)).isEqualTo(1);
  }

  @Test
  void buildOnAClosedBus_leavesNoThreadRunning() {
    EventBus bus = EventBus.builder().name("closed-first").build();
    bus.close();
    assertThatThrownBy(() -> bridge(bus).produce("x.*", "t").build())
        .isInstanceOf(RuntimeException.class);
    assertThat(threadNames()).noneMatch(n -> n.contains("closed-first"));
  }

  // ---- metrics and threads at quiescence ----

  @Test
  void quiescentMetricsAreExact_andCloseStopsEveryThreadTheBridgeStarted() throws Exception {
    kafka.createTopic("probe-quiet", 2);
    EventBus sender = bus("quiet-out");
    EventBus receiver = bus("quiet-in");
    Received received = Received.on(receiver, "quiet.*");
    List<String> made = new CopyOnWriteArrayList<>();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "probe-factory-" + made.size());
      made.add(t.getName());
      t.setDaemon(true);
      return t;
    };
    KafkaBridge in = bridge(receiver).consume("probe-quiet").groupId("probe-quiet")
        .threadFactory(factory).build();
    KafkaBridge out = bridge(sender).produce("quiet.*", "probe-quiet").build();
    assertThat(threadNames()).contains("kafka-producer-network-thread | eventbus-quiet-out-out");
    int total = 50;
    for (int i = 0; i < total; i++) {
      sender.publish(DynamicEvent.of("quiet.n", Map.of("n", i)),
          Metadata.builder().correlationId("k" + (i % 5)).build());
    }
    Eventually.await(() -> received.size() == total && in.metrics().lag() == 0, in::metrics);
    out.close();
    in.close();
    assertThat(out.metrics()).isEqualTo(new KafkaBridgeMetrics(total, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1));
    // lag -1: closed, nothing is assigned (0 was its last value while consuming)
    assertThat(in.metrics())
        .isEqualTo(new KafkaBridgeMetrics(0, 0, 0, total, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1));
    assertThat(made).containsExactly("probe-factory-0");
    assertThat(threadNames()).noneMatch(n -> n.startsWith("probe-factory-")
        || n.contains("eventbus-quiet-") || n.startsWith("eventbus-kafka-quiet"));
  }
}
