package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventType;
import io.github.eventbus.Metadata;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AuditFormatTest {

  @EventType("order.placed")
  public record OrderPlaced(String orderId, long cents) {}

  @EventType("order.paid")
  public record Paid(BigDecimal amount) {}

  @Test
  void encodeThenDecode_givesBackTheSameEnvelope_typedAndDynamic() {
    AuditFormat format = AuditFormat.builder().register(OrderPlaced.class).build();
    Event<OrderPlaced> typed = Event.builder(new OrderPlaced("o-1 \u00fc\n", 1999))
        .id("id-1").timestamp(Instant.parse("2001-02-03T04:05:06.789Z")).source("shop")
        .metadata(Metadata.builder().correlationId("c-1").header("tenant", "acme").build()).build();
    Event<?> back = format.toEvent(format.decode(new String(format.encode(typed), StandardCharsets.UTF_8)));
    assertThat(back.payload()).isEqualTo(typed.payload());
    assertThat(back.id()).isEqualTo("id-1");
    assertThat(back.timestamp()).isEqualTo(typed.timestamp());
    assertThat(back.source()).isEqualTo("shop");
    assertThat(back.metadata()).isEqualTo(typed.metadata());

    DynamicEvent dynamic = DynamicEvent.of("unknown.type", Map.of("k", "v"));
    Event<DynamicEvent> plain = Event.builder(dynamic).id("id-2").timestamp(Instant.EPOCH).source("s").build();
    AuditEntry entry = format.decode(new String(format.encode(plain), StandardCharsets.UTF_8));
    assertThat(entry.file()).isNull();
    assertThat(format.toEvent(entry).payload()).isEqualTo(dynamic);
  }

  @Test
  void anUnregisteredTypeWhoseDataIsNull_decodesToADynamicEvent_withANullValue() {
    AuditFormat format = AuditFormat.standard();
    Event<DynamicEvent> plain = Event.builder(DynamicEvent.of("unknown.type", Map.of("k", "v")))
        .id("id-n").timestamp(Instant.EPOCH).source("s").build();
    String line = new String(format.encode(plain), StandardCharsets.UTF_8);
    assertThat(line).contains("\"data\":{\"k\":\"v\"}");

    Event<?> back = format.toEvent(format.decode(line.replace("{\"k\":\"v\"}", "null")));

    assertThat(back.payload()).isInstanceOfSatisfying(DynamicEvent.class, d -> {
      assertThat(d.data()).containsKey("value");
      assertThat(d.get("value")).isNull();
    });
  }

  @Test
  void aJsonMapper_readsLongStrings_keepsItsOwnLimits_andNumbersKeepJacksons() {
    String longText = "t".repeat(20_000_001);
    Event<DynamicEvent> large = Event.builder(DynamicEvent.of("large", Map.of("text", longText)))
        .id("id-1").timestamp(Instant.EPOCH).source("s").build();
    String line = new String(AuditFormat.standard().encode(large), StandardCharsets.UTF_8);

    AuditFormat plain = AuditFormat.builder().mapper(JsonMapper.builder().build()).build();
    assertThat(plain.toEvent(plain.decode(line)).payload()).isEqualTo(large.payload());

    ObjectMapper strict = JsonMapper.builder(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(1_000).build())
        .build()).build();
    AuditFormat bounded = AuditFormat.builder().mapper(strict).build();
    assertThatThrownBy(() -> bounded.decode(line)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not JSON");

    // Reading a long number takes time growing with the square of its length.
    String longNumber = line.replace("\"" + longText + "\"", "9".repeat(1_001));
    assertThatThrownBy(() -> plain.decode(longNumber))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not JSON");
  }

  /**
   * Regression: a mapper of another format (YAML, say) was taken, and wrote records of several
   * lines that no reader took, or none at all.
   */
  @Test
  void aMapperOfAnotherFormat_isRefusedByEveryBuilderThatTakesAMapper(@TempDir Path dir) {
    ObjectMapper yamlLike = new ObjectMapper(new JsonFactory() {
      @Override
      public String getFormatName() {
        return "YAML";
      }
    });
    List<ThrowingCallable> setters = List.of(
        () -> AuditFormat.builder().mapper(yamlLike),
        () -> AuditLog.builder(dir).mapper(yamlLike),
        () -> AuditReader.builder().mapper(yamlLike),
        () -> JsonLinesWriter.toFile(dir.resolve("x.jsonl"), JsonLinesWriter.jackson())
            .mapper(yamlLike));
    for (ThrowingCallable setter : setters) {
      assertThatThrownBy(setter).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("mapper must be a JSON mapper, but its factory's format was YAML");
    }
    assertThat(AuditFormat.builder().mapper(JsonMapper.builder().build()).build()).isNotNull();
    // a JsonFactory of its own that does not name its format is JSON all the same
    assertThat(AuditFormat.builder().mapper(new ObjectMapper(new JsonFactory() {})).build())
        .isNotNull();
  }

  @Test
  void encode_writesTheVersionedLine_withoutALineBreak() {
    Event<DynamicEvent> e = Event.builder(DynamicEvent.of("t", Map.of("a", 1)))
        .id("x").timestamp(Instant.parse("2030-01-01T00:00:00Z")).source("s").build();
    assertThat(new String(AuditFormat.standard().encode(e), StandardCharsets.UTF_8)).isEqualTo(
        "{\"format_version\":1,\"timestamp\":\"2030-01-01T00:00:00Z\",\"event_id\":\"x\","
            + "\"type\":\"t\",\"source\":\"s\",\"data\":{\"a\":1}}");
  }

  @Test
  void theUsersMapperNamesTheDataFields_butNeverSplitsTheLine(@TempDir Path dir) throws Exception {
    ObjectMapper mapper = JsonLinesWriter.defaultMapper()
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(SerializationFeature.INDENT_OUTPUT);
    Event<OrderPlaced> e = Event.builder(new OrderPlaced("o-1", 1999))
        .id("x").timestamp(Instant.parse("2030-01-01T00:00:00.5Z")).source("s").build();
    String expected = "{\"format_version\":1,\"timestamp\":\"2030-01-01T00:00:00.500Z\","
        + "\"event_id\":\"x\",\"type\":\"order.placed\",\"source\":\"s\","
        + "\"data\":{\"order_id\":\"o-1\",\"cents\":1999}}";

    assertThat(new String(AuditFormat.builder().mapper(mapper).build().encode(e), StandardCharsets.UTF_8))
        .isEqualTo(expected);
    Path file;
    try (AuditLog log = AuditLog.builder(dir).mapper(mapper)
        .clock(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC)).build()) {
      log.record(e);
      file = log.currentFile(); // named by the injected clock's day, not today's
    }
    assertThat(file).isEqualTo(dir.resolve("events_20300101.jsonl"));
    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).containsExactly(expected);
  }

  @Test
  void decode_rejectsWhatIsNotAnEntry_sayingWhy_withoutRepeatingTheText() {
    AuditFormat format = AuditFormat.standard();
    assertThatThrownBy(() -> format.decode("{\"secret\":")).hasMessageStartingWith("not JSON")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> format.decode("{\"a\": tru\nFORGED}")).hasMessageStartingWith("not JSON")
        .hasMessageNotContaining("FORGED").hasMessageNotContaining("tru");
    assertThatThrownBy(() -> format.decode("[1]")).hasMessage("not a JSON object");
    assertThatThrownBy(() -> format.decode("{\"type\":\"t\"}")).hasMessageContaining("missing");
    assertThatThrownBy(() -> format.decode(
        "{\"event_id\":\"e\",\"type\":\"t\",\"timestamp\":\"yesterday\\nFORGED\"}"))
        .hasMessage("timestamp is not ISO-8601");
  }

  @Test
  void decode_anotherFormatVersion_isRejected_andNoVersionReadsAsThisOne() {
    AuditFormat format = AuditFormat.standard();
    String rest =
        "\"timestamp\":\"2030-01-01T00:00:00Z\",\"event_id\":\"e\",\"type\":\"t\",\"data\":1}";
    for (String version : new String[] {"2", "0", "\"1\"", "1.5", "\"banana\"", "null",
        "18446744073709551617", "-18446744073709551615"}) { // 2^64 + 1 and its kin: not 1
      assertThatThrownBy(() -> format.decode("{\"format_version\":" + version + "," + rest))
          .as("format_version %s", version)
          .hasMessage("unsupported format_version (this library reads " + AuditFormat.VERSION + ")");
    }
    assertThat(format.decode("{\"format_version\":1," + rest).eventId()).isEqualTo("e");
    assertThat(format.decode("{" + rest).eventId()).isEqualTo("e");
  }

  private static final String ENTRY =
      "{\"timestamp\":\"2030-01-01T00:00:00Z\",\"event_id\":\"e\",\"type\":\"t.a\",\"data\":{}";

  @Test
  void decode_aSecondValueOrARepeatedKey_isRejected_notReadAsTheFirst() {
    AuditFormat format = AuditFormat.standard();
    String whole = ENTRY + "}";
    String other = whole.replace("\"e\"", "\"f\"");
    assertThatThrownBy(() -> format.decode(whole + other))
        .hasMessage("more than one JSON value on the line");
    assertThatThrownBy(() -> format.decode(whole + "\r" + other))
        .hasMessage("more than one JSON value on the line");
    assertThatThrownBy(() -> format.decode(whole + " xyz!!")).hasMessageStartingWith("not JSON")
        .hasMessageNotContaining("xyz");
    // What a raw payload (@JsonRawValue) that closes "data" early would write.
    String forged = ENTRY + ",\"data\":{\"a\":1},\"type\":\"admin.granted\",\"data\":{}}";
    assertThatThrownBy(() -> format.decode(forged)).hasMessageStartingWith("not JSON")
        .hasMessageNotContaining("admin");
    assertThat(format.decode(whole + " \r").eventId()).isEqualTo("e"); // spaces after are fine
  }

  @Test
  void decode_envelopeFieldsOfTheWrongKindOrBlank_areRejected_namingTheField() {
    AuditFormat format = AuditFormat.standard();
    String base = ENTRY + "}";
    Map<String, String> cases = Map.ofEntries(
        Map.entry(base.replace("\"e\"", "{\"x\":1}"), "event_id is not a string"),
        Map.entry(base.replace("\"t.a\"", "42"), "type is not a string"),
        Map.entry(base.replace("\"e\"", "\" \""), "event_id is blank"),
        Map.entry(base.replace("\"t.a\"", "\"\""), "type is not a valid event type name"),
        Map.entry(base.replace("\"t.a\"", "\"t..a\""), "type is not a valid event type name"),
        Map.entry(ENTRY + ",\"source\":7}", "source is not a string"),
        Map.entry(base.replace(",\"data\":{}", ""),
            "missing data (the payload; null if it is null)"),
        Map.entry(ENTRY + ",\"correlation_id\":\" \"}", "correlation_id is blank"),
        Map.entry(ENTRY + ",\"headers\":[]}", "headers is not a JSON object"),
        Map.entry(ENTRY + ",\"headers\":{\"n\":5}}",
            "a header has a blank name or a value not a string"),
        Map.entry(ENTRY + ",\"headers\":{\"k\":null}}",
            "a header has a blank name or a value not a string"),
        Map.entry(ENTRY + ",\"headers\":{\"\":\"v\"}}",
            "a header has a blank name or a value not a string"));
    cases.forEach((line, message) ->
        assertThatThrownBy(() -> format.decode(line)).as(line).hasMessage(message));
    AuditEntry fine =
        format.decode(ENTRY + ",\"correlation_id\":\"c\",\"headers\":{\"k\":\"v\"}}");
    assertThat(format.toEvent(fine).metadata().headers()).containsEntry("k", "v");
  }

  private static String lineOf(AuditFormat format, Object payload) {
    return new String(format.encode(Event.builder(payload).id("p").timestamp(Instant.EPOCH)
        .build()), StandardCharsets.UTF_8);
  }

  @Test
  void decimals_aDoubleCannotHold_readBackExactly_withTheirScale() {
    AuditFormat format = AuditFormat.builder().register(Paid.class).build();
    for (String written : List.of("12345678901234567.89", "1.10", "0.10000000000000000001",
        "-7.500", "1E+400", "123456789012345678901234567890.000")) {
      BigDecimal amount = new BigDecimal(written);
      String line = lineOf(format, new Paid(amount));
      assertThat(line).contains("\"amount\":" + written); // the line keeps every digit

      assertThat(((Paid) format.toEvent(format.decode(line)).payload()).amount())
          .isEqualTo(amount); // equals: value and scale
      AuditEntry entry = format.decode(line.replace("order.paid", "order.unknown"));
      assertThat(entry.data().get("amount").decimalValue()).isEqualTo(amount);
      assertThat(((DynamicEvent) format.toEvent(entry).payload()).data().get("amount"))
          .isEqualTo(amount);
    }
  }

  @Test
  void decimals_withAnExponentBeyondAThousandPlaces_makeTheLineUnreadable() {
    AuditFormat format = AuditFormat.builder().build();
    String line = lineOf(format, DynamicEvent.of("t", Map.of("x", 1.5)));
    for (String huge : List.of("1e999999999", "1e-1001", "-2.5E+1002")) {
      assertThatThrownBy(() -> format.decode(line.replace("1.5", huge)))
          .as(huge).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not JSON");
    }
    assertThat(format.decode(line.replace("1.5", "1e-1000")).data().get("x").decimalValue())
        .isEqualTo(new BigDecimal("1e-1000"));
  }

  @Test
  void decimals_theMapperAlreadyReadsAsBigDecimal_areLeftToIt() {
    AuditFormat format = AuditFormat.builder().mapper(JsonLinesWriter.defaultMapper()
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)).build();
    AuditEntry entry = format.decode(lineOf(format, DynamicEvent.of("t", Map.of("x", 1.5))));
    assertThat(entry.data().get("x").isBigDecimal()).isTrue();
  }

  static Stream<Long> seeds() {
    return Stream.of(1L, 2L, 3L, 20261203L);
  }

  /** Random bits, so every kind of double comes up: subnormals, huge, tiny, negative zero. */
  @ParameterizedTest
  @MethodSource("seeds")
  void doubles_theWriterWrote_readBackAsTheSameDouble_inADynamicEvent(long seed) {
    assertDoublesReadBackAsDoubles(AuditFormat.builder().build(), seed);
  }

  /**
   * Java 17's Double.toString is not always the shortest text of a double; a shortest-digits
   * writer (Jackson's fast writer; Java 19's Double.toString) writes about 0.3% of doubles
   * otherwise, and those are doubles too.
   */
  @ParameterizedTest
  @MethodSource("seeds")
  @SuppressWarnings("deprecation") // the generator feature, as a user's mapper may set it
  void doubles_aShortestDigitsWriterWrote_readBackAsTheSameDouble(long seed) {
    assertDoublesReadBackAsDoubles(AuditFormat.builder().mapper(JsonLinesWriter.defaultMapper()
        .enable(com.fasterxml.jackson.core.JsonGenerator.Feature.USE_FAST_DOUBLE_WRITER))
        .build(), seed);
  }

  @Test
  void decimals_whoseExponentOverflowsAnInt_areRefused_withoutQuotingTheLine() {
    AuditFormat format = AuditFormat.builder().build();
    String line = lineOf(format, DynamicEvent.of("t", Map.of("x", 1.5)));
    for (String huge : List.of("1e2147483648", "1e-2147483649", "7.5E+99999999999")) {
      assertThatThrownBy(() -> format.decode(line.replace("1.5", huge)))
          .as(huge).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not JSON").hasMessageNotContaining("99999");
    }
  }

  private static void assertDoublesReadBackAsDoubles(AuditFormat format, long seed) {
    Random random = new Random(seed);
    List<Double> written = new ArrayList<>(List.of(-0.0, 0.1, 1e20, Double.MIN_VALUE,
        Double.MAX_VALUE, 4.9e-324, 1.0));
    while (written.size() < 3_000) {
      double d = Double.longBitsToDouble(random.nextLong());
      if (Double.isFinite(d)) {
        written.add(d);
      }
    }
    AuditEntry entry = format.decode(lineOf(format, DynamicEvent.of("t", Map.of("v", written))));

    List<?> read = (List<?>) ((DynamicEvent) format.toEvent(entry).payload()).data().get("v");
    assertThat(read).hasSize(written.size())
        .allSatisfy(v -> assertThat(v).isInstanceOf(Double.class));
    for (int k = 0; k < written.size(); k++) {
      // bits, not equals: -0.0 must stay negative
      assertThat(Double.doubleToRawLongBits((Double) read.get(k)))
          .as("double %s", written.get(k))
          .isEqualTo(Double.doubleToRawLongBits(written.get(k)));
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void bigDecimals_inARegisteredClass_readBackWithTheirValueAndScale(long seed) {
    AuditFormat format = AuditFormat.builder().register(Paid.class).build();
    Random random = new Random(seed);
    for (int k = 0; k < 300; k++) {
      BigDecimal amount = new BigDecimal(
          new BigInteger(1 + random.nextInt(100), random), random.nextInt(30) - 5);
      if (random.nextBoolean()) {
        amount = amount.negate();
      }
      Paid back = (Paid) format.toEvent(format.decode(lineOf(format, new Paid(amount)))).payload();
      assertThat(back.amount()).as("amount %s", amount).isEqualTo(amount);
    }
  }
}
