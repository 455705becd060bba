package io.github.eventbus.kafka;

import static io.github.eventbus.kafka.RawKafka.line;
import static io.github.eventbus.kafka.RawKafka.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Probes of the inbound side with records no bridge produced: bad records, replays and duplicates. */
class KafkaBridgeHostileRecordsTest extends BridgeProbes {

  @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();

  @Override
  KafkaBroker kafka() {
    return kafka;
  }

  // ---- bad records ----

  @Test
  void hostileRecords_areCountedDeadLetteredAndSkipped_andThePartitionMovesOn() throws Exception {
    kafka.createTopic("probe-hostile", 1);
    RawKafka raw = raw();
    String t = "probe-hostile";
    int huge = 2_500_000;
    raw.send(t, line("ok.first", Map.of()));                                   // 0
    raw.send(t, new byte[0]);                                                  // 1 empty value
    raw.send(t, utf8("z".repeat(huge)));                                       // 2 2.5 MB not JSON
    raw.send(t, utf8("[".repeat(5_000) + "]".repeat(5_000)));                  // 3 nested too deep
    raw.send(t, line("ok.binary_version", Map.of()),                           // 4 header as int
        BridgeHeaders.FORMAT_VERSION, ByteBuffer.allocate(4).putInt(1).array());
    raw.send(t, line("ok.dynamic", Map.of("k", "v")));                          // 5 unknown type: fine
    raw.send(t, utf8("{\"event_id\":{\"a\":1},\"type\":\"ok.x\","               // 6 id an object
        + "\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{}}"));
    raw.send(t, utf8("{\"event_id\":\"e-7\",\"type\":\"ok.x\","                  // 7 bad time
        + "\"timestamp\":\"yesterday\",\"data\":{}}"));
    raw.send(t, utf8("[1,2]"));                                                // 8 not an object
    raw.send(t, utf8("{\"event_id\":\"e-9\",\"type\":\"\","                      // 9 empty type
        + "\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{}}"));
    raw.sendTo(t, null, utf8("key"), line("ok.last", Map.of()));                  // 10 keyed, fine
    EventBus bus = bus("hostile");
    Received events = Received.on(bus, "ok.*");
    List<DeadLetter> dead = deadLetters(bus);
    KafkaBridge bridge = closing(bridge(bus).consume(t).groupId("probe-hostile").build());

    assertThat(events.awaitAtLeast(3)).extracting(Event::type)
        .containsExactly("ok.first", "ok.dynamic", "ok.last");
    Eventually.await(() -> dead.size() >= 8, dead::toString);
    assertThat(dead).extracting(d -> undecodable(d).offset())
        .containsExactly(1L, 2L, 3L, 4L, 6L, 7L, 8L, 9L);
    assertThat(dead).extracting(d -> undecodable(d).size())
        .startsWith(0, huge);
    assertThat(dead).allSatisfy(d -> {
      assertThat(d.event().type()).isEqualTo("kafka.undecodable_record");
      assertThat(d.cause()).isInstanceOf(KafkaBridgeException.class);
      assertThat(undecodable(d).reason()).hasSizeLessThanOrEqualTo(200).doesNotContain("zzz");
      assertThat(d.cause().getMessage()).doesNotContain("zzz", "[[[", "yesterday");
    });
    Eventually.await(() -> bridge.metrics().lag() == 0, bridge::metrics);
    assertThat(bridge.metrics().undecodable()).isEqualTo(8);
    assertThat(bridge.metrics().deadLetters()).isEqualTo(8);
    assertThat(bridge.metrics().consumed()).isEqualTo(3);
    bridge.close();
    assertThat(raw.committed("probe-hostile", t, 0)).isEqualTo(11);
  }

  @Test
  void aTombstone_andHeadersWithoutValues_areHandledLikeAnyRecord() throws Exception {
    // A compacted topic's tombstone (null value) is not an event: a dead letter of size -1,
    // committed and skipped. A header without a value is no bridge's id; a format_version header
    // without one is not version 1 (a dead letter). None stops the partition.
    kafka.createTopic("probe-tombstone", 1);
    RawKafka raw = raw();
    String t = "probe-tombstone";
    raw.sendTo(t, null, utf8("order-7"), null);                                // 0 tombstone
    raw.send(t, line("tomb.null_headers", Map.of()), "anything", null,          // 1 fine
        BridgeHeaders.BRIDGE, null);
    raw.send(t, line("tomb.null_version", Map.of()),                            // 2 not version 1
        BridgeHeaders.FORMAT_VERSION, null);
    raw.send(t, line("tomb.last", Map.of()));                                   // 3 fine
    EventBus bus = bus("tombstone");
    Received events = Received.on(bus, "tomb.*");
    List<DeadLetter> dead = deadLetters(bus);
    KafkaBridge bridge = closing(bridge(bus).consume(t).groupId("probe-tombstone").build());

    assertThat(events.awaitAtLeast(2)).extracting(Event::type)
        .containsExactly("tomb.null_headers", "tomb.last");
    Eventually.await(() -> dead.size() == 2, dead::toString);
    assertThat(dead).extracting(d -> undecodable(d).offset()).containsExactly(0L, 2L);
    assertThat(undecodable(dead.get(0)).size()).isEqualTo(-1);
    assertThat(undecodable(dead.get(1)).reason()).contains("format_version");
    bridge.close();
    assertThat(raw.committed("probe-tombstone", t, 0)).isEqualTo(4);
  }

  @Test
  void valueOfAnotherFormatVersion_withoutTheHeader_isDeadLettered() throws Exception {
    // Regression: a record "of an unknown format_version" is a dead letter even without the
    // header; the value's own format_version used to go unread.
    kafka.createTopic("probe-version", 1);
    RawKafka raw = raw();
    raw.send("probe-version", utf8("{\"format_version\":2,\"timestamp\":\"2026-01-01T00:00:00Z\","
        + "\"event_id\":\"v2-1\",\"type\":\"ver.two\",\"source\":\"s\",\"data\":{\"x\":1}}"));
    raw.send("probe-version", utf8("{\"format_version\":\"banana\",\"timestamp\":"
        + "\"2026-01-01T00:00:00Z\",\"event_id\":\"v2-2\",\"type\":\"ver.banana\",\"data\":{}}"));
    raw.send("probe-version", line("ver.sentinel", Map.of()));
    EventBus bus = bus("version");
    Received events = Received.on(bus, "ver.*");
    List<DeadLetter> dead = deadLetters(bus);
    KafkaBridge bridge = closing(bridge(bus).consume("probe-version").groupId("probe-version")
        .build());
    Eventually.await(() -> events.all().stream().anyMatch(e -> e.type().equals("ver.sentinel")),
        events::all);
    Eventually.await(() -> dead.size() + events.size() >= 3, bridge::metrics);
    assertThat(events.all()).extracting(Event::type).containsExactly("ver.sentinel");
    assertThat(dead).extracting(d -> undecodable(d).offset()).containsExactly(0L, 1L);
    assertThat(bridge.metrics().undecodable()).isEqualTo(2);
  }

  @Test
  void undecodableReason_neverQuotesTheRecord() throws Exception {
    // Regression: the reason "never quotes the record". An invalid type name and data that do
    // not fit the registered class used to put the record's type or id (with a U+2028 line
    // separator) into the reason and the WARN line.
    kafka.createTopic("probe-quote", 1);
    RawKafka raw = raw();
    raw.send("probe-quote", utf8("{\"event_id\":\"q-1\",\"type\":\"bad type\u2028FORGED-1\","
        + "\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{}}"));
    raw.send("probe-quote", utf8("{\"event_id\":\"SECRET\u2028FORGED-2\",\"type\":\"orders.placed\","
        + "\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{\"quantity\":\"many\"}}"));
    EventBus bus = bus("quote");
    List<DeadLetter> dead = deadLetters(bus);
    closing(bridge(bus).format(TYPED).consume("probe-quote").groupId("probe-quote").build());
    Eventually.await(() -> dead.size() >= 2, dead::toString);
    assertThat(dead).extracting(d -> undecodable(d).reason()).containsExactly(
        "type is not a valid event type name",
        "the data does not decode into the class registered for its type");
    assertThat(dead).allSatisfy(d -> {
      assertThat(undecodable(d).reason()).doesNotContain("FORGED", "SECRET", "\u2028");
      assertThat(d.cause().getMessage()).doesNotContain("FORGED", "SECRET", "\u2028");
    });
  }

  // ---- replays and duplicates ----

  @Test
  void sameEventIdOnTwoPartitions_isDeliveredOnce() throws Exception {
    kafka.createTopic("probe-dup-parts", 2);
    RawKafka raw = raw();
    byte[] same = line("dupp.event", Map.of("n", 1));
    raw.sendTo("probe-dup-parts", 0, null, same);
    raw.sendTo("probe-dup-parts", 1, null, same);
    raw.sendTo("probe-dup-parts", 1, null, line("dupp.other", Map.of()));
    EventBus bus = bus("dup-parts");
    Received events = Received.on(bus, "dupp.*");
    KafkaBridge bridge = closing(bridge(bus).consume("probe-dup-parts").groupId("probe-dup-parts")
        .build());
    Eventually.await(() -> bridge.metrics().consumed() + bridge.metrics().duplicates() == 3,
        bridge::metrics);
    assertThat(bridge.metrics().duplicates()).isEqualTo(1);
    Eventually.await(() -> events.size() == 2, events::all);
    assertThat(events.all()).extracting(Event::type)
        .containsExactlyInAnyOrder("dupp.event", "dupp.other");
  }

  @Test
  void dedupeWindowAndCapacity_forgetOldIds_asDocumented() throws Exception {
    kafka.createTopic("probe-window", 1);
    RawKafka raw = raw();
    ManualClock clock = new ManualClock(Instant.parse("2026-03-01T00:00:00Z"));
    EventBus bus = bus("window");
    Received events = Received.on(bus, "win.*");
    KafkaBridge bridge = closing(bridge(bus).consume("probe-window").groupId("probe-window")
        .clock(clock).dedupeWindow(Duration.ofMinutes(1)).dedupeCapacity(2).build());
    byte[] x = line("id-x", "win.x", Map.of());
    raw.send("probe-window", x);
    Eventually.await(() -> bridge.metrics().consumed() == 1, bridge::metrics);
    raw.send("probe-window", x); // within the window: skipped
    Eventually.await(() -> bridge.metrics().duplicates() == 1, bridge::metrics);
    clock.advance(Duration.ofMinutes(2));
    raw.send("probe-window", x); // past the window: delivered again
    Eventually.await(() -> bridge.metrics().consumed() == 2, bridge::metrics);
    raw.send("probe-window", line("id-y", "win.y", Map.of()));
    raw.send("probe-window", line("id-z", "win.z", Map.of()));
    raw.send("probe-window", x); // capacity 2: x was forgotten first
    Eventually.await(() -> bridge.metrics().consumed() == 5, bridge::metrics);
    assertThat(bridge.metrics().duplicates()).isEqualTo(1);
    Eventually.await(() -> events.size() == 5, events::all);
    assertThat(events.all()).extracting(Event::id)
        .containsExactly("id-x", "id-x", "id-y", "id-z", "id-x");
  }
}
