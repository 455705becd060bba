package io.github.eventbus.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DeadEvent;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DeliveryReport;
import io.github.eventbus.DeliveryStatus;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import io.github.eventbus.Metadata;
import io.github.eventbus.SubscriberOutcome;
import io.github.eventbus.TypePattern;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The promises of the value types: Event, Metadata, DeadLetter, DeadEvent, DeliveryReport, TypePattern. */
class EnvelopePromisesTest {

  /** A clock that goes back one second at every read, as a badly synchronised host might. */
  private static final class BackwardsClock extends Clock {
    private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

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
      return Instant.ofEpochMilli(millis.getAndAdd(-1000));
    }
  }

  private static List<Event<?>> publishAndCollect(Clock clock, int n) {
    List<Event<?>> seen = new ArrayList<>();
    try (EventBus bus = EventBus.builder().clock(clock).build()) {
      bus.subscribeEnvelope(Integer.class, seen::add);
      for (int i = 0; i < n; i++) {
        bus.publishSync(i);
      }
    }
    return seen;
  }

  private static void assertIdsStrictlyIncreasing(List<Event<?>> events) {
    for (int i = 1; i < events.size(); i++) {
      assertThat(events.get(i).id()).as("id %d", i).isGreaterThan(events.get(i - 1).id());
    }
  }

  /**
   * A plain publish to a payload subscriber is not stamped; a failure that needs its envelope
   * stamps it then, with that moment's time. With an envelope subscriber it is stamped at publish.
   */
  @Test
  void envelope_stampedAtPublishOnlyIfNeededThen_elseWithTheTimeAFailureNeedsIt() {
    Instant publishedAt = Instant.parse("2026-11-23T10:00:00Z");
    ManualClock clock = new ManualClock(publishedAt);
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().clock(clock).exceptionHandler((e, where) -> { })
        .build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.subscribe(Integer.class, i -> {
        clock.advance(Duration.ofHours(1)); // the handler runs long, then fails
        throw new IllegalStateException("fails after an hour");
      });
      bus.publishSync(1);
      bus.subscribeEnvelope(Integer.class, e -> { });
      bus.publishSync(2);
    }
    assertThat(letters).extracting(l -> (Object) l.event().payload()).containsExactly(1, 2);
    assertThat(letters.get(0).event().timestamp()).as("stamped when the failure needed it")
        .isEqualTo(publishedAt.plus(Duration.ofHours(1)));
    assertThat(letters.get(1).event().timestamp()).as("stamped at publish for the envelope")
        .isEqualTo(publishedAt.plus(Duration.ofHours(1)));
    assertThat(letters.get(1).event().id()).isGreaterThan(letters.get(0).event().id());
  }

  @Test
  void eventIds_underAFixedClock_areUniqueAndSortInPublishOrder_evenPastTheCounterOfOneMillisecond() {
    // more than 4096 ids in one millisecond overflow a UUIDv7 counter
    List<Event<?>> events = publishAndCollect(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), 10_000);
    assertThat(events).hasSize(10_000);
    assertIdsStrictlyIncreasing(events);
    assertThat(events).allSatisfy(e -> assertThat(e.timestamp()).isEqualTo(Instant.EPOCH));
  }

  @Test
  void eventIds_underAClockGoingBackwards_stillSortInPublishOrder_timestampsFollowTheClock() {
    List<Event<?>> events = publishAndCollect(new BackwardsClock(), 200);
    assertIdsStrictlyIncreasing(events);
    assertThat(events.get(1).timestamp()).isBefore(events.get(0).timestamp());
  }

  @Test
  void republishedEnvelopeWithoutSource_getsTheBusDefaultSource_andKeepsItsIdentity() {
    List<Event<?>> seen = new CopyOnWriteArrayList<>();
    Instant when = Instant.parse("2001-02-03T04:05:06Z");
    try (EventBus bus = EventBus.builder().source("billing").build()) {
      bus.subscribeEnvelope(String.class, seen::add);
      bus.publishSync(Event.builder("replayed").id("id-1").timestamp(when).build());
      bus.publishSync(Event.builder("own").id("id-2").timestamp(when).source("elsewhere").build());
      bus.publishSync("fresh", Metadata.builder().source("meta-source").build());
    }
    assertThat(seen).extracting(Event::id).startsWith("id-1", "id-2");
    assertThat(seen).extracting(Event::source).containsExactly("billing", "elsewhere", "meta-source");
    assertThat(seen.get(0).timestamp()).isEqualTo(when);
  }

  @Test
  void eventBuilder_refusesEnvelopesAndMissingIdentity() {
    Event<String> e = Event.builder("p").id("i").timestamp(Instant.EPOCH).build();
    assertThatThrownBy(() -> Event.builder(e)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Event.builder("p").timestamp(Instant.EPOCH).build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("id is required");
    assertThatThrownBy(() -> Event.builder("p").id("i").build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("timestamp is required");
    assertThatThrownBy(() -> Event.builder("p").id(" "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Event.builder("p").id("a").id("b"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void eventWithMetadata_keepsIdTypeTimestampSourceAndPayload() {
    Event<String> e = Event.builder("p").id("i").timestamp(Instant.EPOCH).source("s").build();
    Event<String> m = e.withMetadata(Metadata.builder().correlationId("c").build());
    assertThat(m.id()).isEqualTo("i");
    assertThat(m.type()).isEqualTo(e.type());
    assertThat(m.timestamp()).isEqualTo(Instant.EPOCH);
    assertThat(m.source()).isEqualTo("s");
    assertThat(m.payload()).isEqualTo("p");
    assertThat(m.metadata().correlationId()).contains("c");
    assertThat(e.metadata()).isEqualTo(Metadata.empty());
  }

  @Test
  void toStrings_neverShowPayloadOrHeaderValues() {
    Metadata meta = Metadata.builder().header("authorization", "Bearer s3cr3t").build();
    Event<String> e = Event.builder("card 4111-1111").id("i").timestamp(Instant.EPOCH)
        .metadata(meta).build();
    assertThat(meta.toString()).contains("authorization").doesNotContain("s3cr3t");
    assertThat(e.toString()).doesNotContain("4111").doesNotContain("s3cr3t");
  }

  @Test
  void publishSyncWithMetadata_ofAnEnvelope_isRejected() {
    Event<String> e = Event.builder("p").id("i").timestamp(Instant.EPOCH).build();
    try (EventBus bus = EventBus.builder().build()) {
      assertThatThrownBy(() -> bus.publishSync(e, Metadata.empty()))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void metadataWithHeader_blankName_isRefusedAsTheBuilderRefusesIt() {
    Metadata m = Metadata.builder().header("kept", "1").build();
    for (String blank : new String[] {"", " ", "\t"}) {
      assertThatThrownBy(() -> m.withHeader(blank, "v")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("header name");
      assertThatThrownBy(() -> Metadata.builder().header(blank, "v"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("header name");
    }
    assertThat(m.withHeader("kept", "2").headers()).containsEntry("kept", "2");
  }

  @Test
  void metadata_headersKeepInsertionOrder_areUnmodifiable_andWithHeaderReplaces() {
    Metadata m = Metadata.builder().header("z", "1").header("a", "2").header("m", "3").build();
    assertThat(m.headers().keySet()).containsExactly("z", "a", "m");
    assertThatThrownBy(() -> m.headers().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
    Metadata replaced = m.withHeader("a", "9").withHeader("new", "4");
    assertThat(replaced.headers()).containsEntry("a", "9").containsEntry("new", "4");
    assertThat(replaced.headers().keySet()).containsExactly("z", "a", "m", "new");
    assertThat(m.headers()).containsEntry("a", "2");
    assertThat(Metadata.builder().build()).isSameAs(Metadata.empty());
  }

  @Test
  void metadataBuilder_failsFast_namingTheValue() {
    assertThatThrownBy(() -> Metadata.builder().header("h", "1").header("h", "2"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'h'");
    assertThatThrownBy(() -> Metadata.builder().header(" ", "1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("header name must not be blank");
    assertThatThrownBy(() -> Metadata.builder().correlationId(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("correlationId must not be blank");
    assertThatThrownBy(() -> Metadata.builder().source("s").source("t"))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("source ");
    assertThatThrownBy(() -> Metadata.builder().header("h", null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("h");
  }

  @Test
  void metadataToBuilder_keepsTheValues_andStillRefusesSettingThemTwice() {
    Metadata m = Metadata.builder().correlationId("c").source("s").header("h", "1").build();
    Metadata copy = m.toBuilder().header("g", "2").build();
    assertThat(copy.correlationId()).contains("c");
    assertThat(copy.source()).contains("s");
    assertThat(copy.headers()).containsExactly(
        java.util.Map.entry("h", "1"), java.util.Map.entry("g", "2"));
    assertThatThrownBy(() -> m.toBuilder().correlationId("d"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void deadLetterAndDeadEvent_checkTheirComponents() {
    Event<String> e = Event.builder("p").id("i").timestamp(Instant.EPOCH).build();
    assertThatThrownBy(() -> new DeadLetter(e, "s", new RuntimeException(), -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DeadLetter(null, "s", new RuntimeException(), 0))
        .hasMessage("event");
    assertThatThrownBy(() -> new DeadLetter(e, null, new RuntimeException(), 0))
        .hasMessage("subscriber");
    assertThatThrownBy(() -> new DeadLetter(e, "s", null, 0)).hasMessage("cause");
    assertThatThrownBy(() -> new DeadEvent(null)).hasMessage("event");
  }

  @Test
  void deadLetterAndDeadEvent_json_isFlat_inTheDocumentedOrder_withoutPayloadOrStack()
      throws Exception {
    ObjectMapper json = new ObjectMapper();
    Event<String> e = Event.builder("secret payload").id("id-7").timestamp(Instant.EPOCH).build();
    String letter = json.writeValueAsString(
        new DeadLetter(e, "mailer", new java.io.IOException("smtp down"), 3));
    assertThat(letter).isEqualTo("{\"event_id\":\"id-7\",\"type\":\"java.lang.String\","
        + "\"subscriber\":\"mailer\",\"cause_class\":\"java.io.IOException\","
        + "\"cause_message\":\"smtp down\",\"attempts\":3}");
    String noMessage = json.writeValueAsString(
        new DeadLetter(e, "mailer", new IllegalStateException(), 0));
    assertThat(noMessage).contains("\"cause_message\":null");
    assertThat(json.writeValueAsString(new DeadEvent(e)))
        .isEqualTo("{\"event_id\":\"id-7\",\"type\":\"java.lang.String\"}");
  }

  @Test
  void deliveryReport_emptyIsNeverAllDelivered_problemsSkipFiltered_outcomesCopied() {
    Event<String> e = Event.builder("p").id("i").timestamp(Instant.EPOCH).build();
    DeliveryReport none = new DeliveryReport(e, List.of());
    assertThat(none.noSubscriber()).isTrue();
    assertThat(none.allDelivered()).isFalse();
    assertThat(none.problems()).isEmpty();

    List<SubscriberOutcome> outcomes = new ArrayList<>();
    outcomes.add(outcome("a", DeliveryStatus.DELIVERED));
    outcomes.add(outcome("b", DeliveryStatus.FILTERED));
    DeliveryReport report = new DeliveryReport(e, outcomes);
    outcomes.add(outcome("c", DeliveryStatus.VETOED));
    assertThat(report.outcomes()).hasSize(2);
    assertThat(report.allDelivered()).isFalse();
    assertThat(report.problems()).isEmpty();
    for (DeliveryStatus status : DeliveryStatus.values()) {
      DeliveryReport one = new DeliveryReport(e, List.of(outcome("x", status)));
      boolean problem = status != DeliveryStatus.DELIVERED && status != DeliveryStatus.FILTERED;
      assertThat(one.problems()).as("%s", status).hasSize(problem ? 1 : 0);
      assertThat(one.allDelivered()).as("%s", status).isEqualTo(status == DeliveryStatus.DELIVERED);
    }
  }

  private static SubscriberOutcome outcome(String name, DeliveryStatus status) {
    return new SubscriberOutcome(name, status, 1, Duration.ZERO, null, null);
  }

  @Test
  void typePattern_grammarEdges() {
    TypePattern trailing = TypePattern.compile("report.*");
    assertThat(trailing.matches("report")).isFalse();
    assertThat(trailing.matches("report.")).isFalse();
    assertThat(trailing.matches("reports.x")).isFalse();
    assertThat(trailing.matches("report.a.b.c")).isTrue();
    assertThat(trailing.matches("Report.a")).isFalse();
    TypePattern two = TypePattern.compile("*.*");
    assertThat(two.matches("a")).isFalse();
    assertThat(two.matches("a.b")).isTrue();
    assertThat(two.matches("a.b.c")).isTrue();
    TypePattern middle = TypePattern.compile("a.*.c");
    assertThat(middle.matches("a.b.c")).isTrue();
    assertThat(middle.matches("a.b.b.c")).isFalse();
    assertThat(middle.matches("a.c")).isFalse();
    assertThat(TypePattern.compile("*")).isSameAs(TypePattern.all());
    assertThat(TypePattern.compile("a.*")).isEqualTo(TypePattern.compile("a.*"))
        .hasSameHashCodeAs(TypePattern.compile("a.*"));
    assertThat(TypePattern.compile("a.*").isExact()).isFalse();
    assertThat(TypePattern.compile("a.b").isExact()).isTrue();
    assertThat(TypePattern.compile("a.*").pattern()).isEqualTo("a.*");
  }

  @Test
  void typePattern_malformed_rejectedWithWhereAndWhy() {
    assertThatThrownBy(() -> TypePattern.compile("rep*"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segment 1");
    assertThatThrownBy(() -> TypePattern.compile("a.**")).hasMessageContaining("segment 2");
    assertThatThrownBy(() -> TypePattern.compile("a..b")).hasMessageContaining("segment 2 is empty");
    assertThatThrownBy(() -> TypePattern.compile(".a")).hasMessageContaining("segment 1 is empty");
    assertThatThrownBy(() -> TypePattern.compile("a.")).hasMessageContaining("segment 2 is empty");
    assertThatThrownBy(() -> TypePattern.compile("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> TypePattern.compile("a b")).hasMessageContaining("character ' '");
    assertThatThrownBy(() -> TypePattern.compile(null)).isInstanceOf(NullPointerException.class);
    try (EventBus bus = EventBus.builder().build()) {
      assertThatThrownBy(() -> bus.onType("a.b*"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole segment");
    }
  }
}
