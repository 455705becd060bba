package io.github.eventbus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.EventBus;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Option checks; none of these reach a broker. */
class KafkaBridgeBuilderTest {

  private final EventBus bus = EventBus.builder().name("builder-test").build();

  @AfterEach
  void close() {
    bus.close();
  }

  @Test
  void build_withoutBootstrapServers_namesTheOption() {
    assertThatThrownBy(() -> KafkaBridge.builder(bus).produce("*", "t").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("bootstrapServers");
  }

  @Test
  void build_withNothingToBridge_fails() {
    assertThatThrownBy(() -> KafkaBridge.builder(bus).bootstrapServers("127.0.0.1:1").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("produce");
  }

  @Test
  void consume_withoutGroupId_fails_andGroupIdWithoutConsume_fails() {
    assertThatThrownBy(() -> KafkaBridge.builder(bus).bootstrapServers("127.0.0.1:1")
        .consume("t").build()).hasMessageContaining("groupId is required");
    assertThatThrownBy(() -> KafkaBridge.builder(bus).bootstrapServers("127.0.0.1:1")
        .produce("*", "t").groupId("g").build()).hasMessageContaining("consume");
  }

  @Test
  void options_canBeSetOnce() {
    KafkaBridgeBuilder b = KafkaBridge.builder(bus).bootstrapServers("a:1").groupId("g")
        .pollTimeout(Duration.ofMillis(10)).produce("orders.*", "t");
    assertThatThrownBy(() -> b.bootstrapServers("b:1")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bootstrapServers");
    assertThatThrownBy(() -> b.groupId("h")).hasMessageContaining("groupId");
    assertThatThrownBy(() -> b.pollTimeout(Duration.ofMillis(5))).hasMessageContaining("pollTimeout");
    assertThatThrownBy(() -> b.produce("orders.*", "u")).hasMessageContaining("orders.*");
    b.producerProperty("linger.ms", 5);
    assertThatThrownBy(() -> b.producerProperty("linger.ms", 6)).hasMessageContaining("linger.ms");
  }

  @Test
  void propertiesTheBridgeOwns_cannotBeOverridden() {
    KafkaBridgeBuilder b = KafkaBridge.builder(bus);
    for (String p : new String[] {"acks", "enable.idempotence", "bootstrap.servers",
        "key.serializer", "value.serializer", "ENABLE.IDEMPOTENCE", "transactional.id"}) {
      assertThatThrownBy(() -> b.producerProperty(p, "x")).as(p)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(p);
    }
    for (String p : new String[] {"enable.auto.commit", "group.id", "key.deserializer"}) {
      assertThatThrownBy(() -> b.consumerProperty(p, "x")).as(p)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(p);
    }
  }

  @Test
  void badArguments_failFastNamingTheParameter() {
    KafkaBridgeBuilder b = KafkaBridge.builder(bus);
    assertThatThrownBy(() -> b.produce("rep*", "t")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.produce("a", " ")).hasMessageContaining("topic");
    assertThatThrownBy(b::consume).hasMessageContaining("at least one topic");
    assertThatThrownBy(() -> b.dedupeWindow(Duration.ZERO)).hasMessageContaining("dedupeWindow");
    assertThatThrownBy(() -> b.dedupeCapacity(0)).hasMessageContaining("dedupeCapacity");
    assertThatThrownBy(() -> b.bootstrapServers("")).hasMessageContaining("bootstrapServers");
  }

  @Test
  void unreadableClientConfiguration_isTheModulesException() {
    assertThatThrownBy(() -> KafkaBridge.builder(bus).bootstrapServers("127.0.0.1:1")
        .producerProperty("linger.ms", "not a number").produce("*", "t").build())
        .isInstanceOf(KafkaBridgeException.class).hasMessageContaining("builder-test");
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t ->
        t.getName().startsWith("eventbus-kafka-builder-test"));
  }

  @Test
  void build_withAThreadFactoryThatThrows_fails_andLeavesNoClientThreadNorSubscription() {
    assertThatThrownBy(() -> KafkaBridge.builder(bus).name("factory-throws")
        .bootstrapServers("127.0.0.1:1").produce("*", "t").consume("t").groupId("g")
        .threadFactory(task -> {
          throw new IllegalStateException("no threads today");
        }).build())
        .isInstanceOf(KafkaBridgeException.class)
        .hasRootCauseMessage("no threads today");

    assertThat(bus.subscribers()).isEmpty();
    assertThat(clientThreads("factory-throws")).isEmpty();
  }

  @Test
  void build_withAThreadFactoryThatReturnsNull_failsNamingIt_andLeavesNoClientThread() {
    assertThatThrownBy(() -> KafkaBridge.builder(bus).name("factory-null")
        .bootstrapServers("127.0.0.1:1").produce("*", "t").consume("t").groupId("g")
        .threadFactory(task -> null).build())
        .isInstanceOf(KafkaBridgeException.class)
        .hasMessageContaining("threadFactory");

    assertThat(bus.subscribers()).isEmpty();
    assertThat(clientThreads("factory-null")).isEmpty();
  }

  @Test
  void aDeadLetterWhoseThreadCannotBeMade_isLoggedNotThrownAtThePublisher() {
    AtomicInteger asked = new AtomicInteger();
    KafkaBridge bridge = KafkaBridge.builder(bus).name("dl-thread-fails")
        .bootstrapServers("127.0.0.1:1").produce("*", "t")
        .producerProperty("max.block.ms", 50) // no broker: each send fails after 50 ms
        .threadFactory(task -> {
          asked.incrementAndGet();
          throw new IllegalStateException("no threads today");
        }).build();
    try {
      bus.publishSync("an event");

      Eventually.await(() -> bridge.metrics().produceFailed() >= 1,
          bridge::metrics);
      assertThat(asked).hasValue(1);
      assertThat(bus.metrics().totals().failed()).as("the bridge's subscriber did not fail")
          .isZero();
      assertThat(bridge.metrics().produceFailed()).isEqualTo(1);
      assertThat(bridge.metrics().deadLetters()).isZero();
    } finally {
      bridge.close();
    }
  }

  /** The live threads of the Kafka clients of bridge {@code name} (their ids contain it). */
  private static java.util.List<String> clientThreads(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.contains("eventbus-" + name)).toList();
  }
}
