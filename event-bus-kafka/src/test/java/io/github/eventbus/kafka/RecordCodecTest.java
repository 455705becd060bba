package io.github.eventbus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.Metadata;
import io.github.eventbus.audit.AuditFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

  private final RecordCodec codec = new RecordCodec(
      AuditFormat.builder().register(OrderPlaced.class).build(), RecordKey.correlationId(), "me");

  private static Event<?> event(Object payload, Metadata meta) {
    return Event.builder(payload).id("id-1").timestamp(Instant.parse("2026-01-02T03:04:05Z"))
        .source("src").metadata(meta).build();
  }

  private static ConsumerRecord<byte[], byte[]> consumed(ProducerRecord<byte[], byte[]> p) {
    ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(p.topic(), 2, 41, p.key(), p.value());
    p.headers().forEach(h -> r.headers().add(h));
    return r;
  }

  @Test
  void encodeThenDecode_keepsIdentityTypeAndMetadata_andMarksTheOrigin() {
    Event<?> sent = event(new OrderPlaced("o-1", "Zoë", 2),
        Metadata.builder().correlationId("c-9").header("h", "v").build());
    ProducerRecord<byte[], byte[]> record = codec.encode("t", sent);
    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("c-9");
    Event<?> back = codec.decode(consumed(record));
    assertThat(back.id()).isEqualTo("id-1");
    assertThat(back.payload()).isEqualTo(new OrderPlaced("o-1", "Zoë", 2));
    assertThat(back.metadata().headers()).containsEntry("h", "v")
        .containsEntry(BridgeHeaders.ORIGIN, "t/2/41");
    assertThat(RecordCodec.isFromKafka(back)).isTrue();
    assertThat(RecordCodec.isFromKafka(sent)).isFalse();
    assertThat(codec.isOwn(consumed(record))).isTrue();
    RecordCodec other = new RecordCodec(AuditFormat.standard(), RecordKey.type(), "other");
    assertThat(other.isOwn(consumed(record))).isFalse();
    assertThat(other.decode(consumed(record)).payload()).isInstanceOf(DynamicEvent.class);
  }

  /** As BridgeHeaders says: the headers cannot carry a lone surrogate; the value can. */
  @Test
  void idsDifferingOnlyInLoneSurrogates_shareTheirHeader_butDecodeApart() {
    List<Event<DynamicEvent>> sent = List.of("id-\ud800", "id-\udc00").stream().map(id -> Event
        .builder(DynamicEvent.of("a.b", Map.of())).id(id).timestamp(Instant.EPOCH).build())
        .toList();
    List<ProducerRecord<byte[], byte[]>> records = sent.stream().map(e -> codec.encode("t", e))
        .toList();
    assertThat(records).extracting(r -> new String(
        r.headers().lastHeader(BridgeHeaders.EVENT_ID).value(), StandardCharsets.UTF_8))
        .containsExactly("id-?", "id-?");
    assertThat(records).extracting(r -> codec.decode(consumed(r)).id())
        .containsExactly("id-\ud800", "id-\udc00");
  }

  @Test
  void noCorrelationId_meansNoKey_andNoHeader() {
    ProducerRecord<byte[], byte[]> record = codec.encode("t", event(
        DynamicEvent.of("a.b", Map.of()), Metadata.empty()));
    assertThat(record.key()).isNull();
    assertThat(record.headers().lastHeader(BridgeHeaders.CORRELATION_ID)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "not json: secret-value-123",
      "entry \"x\" does not decode into a.B: Cannot deserialize \"secret-value-123\"",
      "line\nbreak: secret-value-123"})
  void reason_dropsTheParsersDetail_andControlCharacters(String message) {
    String reason = RecordCodec.reason(message);
    assertThat(reason).doesNotContain("secret-value-123").doesNotContain("\n");
    assertThat(RecordCodec.reason("x".repeat(1000))).hasSize(200);
  }

  /** Seeded random bytes never escape as anything but IllegalArgumentException. */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void randomBytes_failAsNotAnEvent(long seed) {
    Random random = new Random(seed);
    byte[] valid = codec.encode("t", event(new OrderPlaced("o", "c", 1), Metadata.empty())).value();
    for (int i = 0; i < 500; i++) {
      byte[] bytes = valid.clone();
      int flips = 1 + random.nextInt(4);
      for (int f = 0; f < flips; f++) {
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("t", 0, i, null, bytes);
      try {
        codec.decode(r);
      } catch (IllegalArgumentException expected) {
        assertThat(expected.getMessage()).doesNotContain("\n");
      }
    }
  }

  @Test
  void unknownFormatVersion_isRefused() {
    ProducerRecord<byte[], byte[]> record = codec.encode("t", event(
        DynamicEvent.of("a.b", Map.of()), Metadata.empty()));
    ConsumerRecord<byte[], byte[]> r = consumed(record);
    r.headers().remove(BridgeHeaders.FORMAT_VERSION);
    r.headers().add(BridgeHeaders.FORMAT_VERSION, "2".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> codec.decode(r)).hasMessageContaining("format_version");
  }

  @Test
  void anotherFormatVersionAmongRepeatedHeaders_isRefused_inEitherOrder() {
    ProducerRecord<byte[], byte[]> record = codec.encode("t", event(
        DynamicEvent.of("a.b", Map.of()), Metadata.empty()));
    for (String[] versions : new String[][] {{"99", "1"}, {"1", "99"}}) {
      ConsumerRecord<byte[], byte[]> r = consumed(record);
      r.headers().remove(BridgeHeaders.FORMAT_VERSION);
      for (String v : versions) {
        r.headers().add(BridgeHeaders.FORMAT_VERSION, v.getBytes(StandardCharsets.UTF_8));
      }
      assertThatThrownBy(() -> codec.decode(r)).as(String.join(",", versions))
          .hasMessageContaining("format_version");
    }
    ConsumerRecord<byte[], byte[]> twice = consumed(record);
    twice.headers().add(BridgeHeaders.FORMAT_VERSION, "1".getBytes(StandardCharsets.UTF_8));
    assertThat(codec.decode(twice).id()).as("the same version twice").isEqualTo("id-1");
  }
}
