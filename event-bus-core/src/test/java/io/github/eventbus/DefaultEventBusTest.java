package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DefaultEventBusTest {

  interface Shape {}

  interface Named {}

  static class Base implements Shape {}

  static class Circle extends Base implements Shape, Named {}

  @EventType("report.ready")
  record ReportReady(String id) {}

  @EventType("report.failed")
  record ReportFailed(String id) {}

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
  private final EventBus bus = EventBus.builder().name("test").clock(clock).build();

  @AfterEach
  void close() {
    bus.close();
  }

  @Test
  void publishSync_deliversToClassSuperclassAndInterfaces_onceEach() {
    List<String> got = new CopyOnWriteArrayList<>();
    bus.subscribe(Circle.class, e -> got.add("circle"));
    bus.subscribe(Base.class, e -> got.add("base"));
    bus.subscribe(Shape.class, e -> got.add("shape"));
    bus.subscribe(Named.class, e -> got.add("named"));
    bus.subscribe(Object.class, e -> got.add("object"));
    bus.subscribe(String.class, e -> got.add("string"));

    bus.publishSync(new Circle());

    // Shape is reachable through Circle and through Base: still one delivery.
    assertThat(got).containsExactly("circle", "base", "shape", "named", "object");
  }

  @Test
  void publishSync_superclassEvent_doesNotReachSubclassSubscribers() {
    List<String> got = new CopyOnWriteArrayList<>();
    bus.subscribe(Circle.class, e -> got.add("circle"));
    bus.subscribe(Shape.class, e -> got.add("shape"));

    bus.publishSync(new Base());

    assertThat(got).containsExactly("shape");
  }

  @Test
  void patternSubscription_receivesEnvelopesOfTypedAndDynamicEvents() {
    List<Event<?>> got = new CopyOnWriteArrayList<>();
    bus.subscribe("report.*", got::add);

    bus.publishSync(new ReportReady("r1"));
    bus.publishSync(DynamicEvent.of("report.failed", Map.of("id", "r2")));
    bus.publishSync(DynamicEvent.of("file_change", Map.of()));

    assertThat(got).extracting(Event::type).containsExactly("report.ready", "report.failed");
    assertThat(got.get(0).payload()).isEqualTo(new ReportReady("r1"));
    assertThat(((DynamicEvent) got.get(1).payload()).get("id")).isEqualTo("r2");
  }

  @Test
  void subscribe_malformedPattern_throwsIllegalArgument() {
    assertThatThrownBy(() -> bus.subscribe("report*", e -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'*' must be a whole segment");
  }

  @Test
  void subscribe_toEventClass_isRejectedWithAdvice() {
    assertThatThrownBy(() -> bus.subscribe(Event.class, e -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("subscribeEnvelope");
  }

  @Test
  void envelope_carriesIdTypeTimestampSourceAndMetadata() {
    List<Event<? extends ReportReady>> got = new CopyOnWriteArrayList<>();
    bus.subscribeEnvelope(ReportReady.class, got::add);

    bus.publishSync(new ReportReady("r1"),
        Metadata.builder().correlationId("req-7").header("tenant", "acme").build());
    bus.publishSync(new ReportReady("r2"));

    Event<? extends ReportReady> first = got.get(0);
    assertThat(first.type()).isEqualTo("report.ready");
    assertThat(first.timestamp()).isEqualTo(clock.instant());
    assertThat(first.source()).isEqualTo("test");
    assertThat(first.payload().id()).isEqualTo("r1");
    assertThat(first.metadata().correlationId()).contains("req-7");
    assertThat(first.metadata().headers()).containsEntry("tenant", "acme");
    assertThat(got.get(1).metadata()).isEqualTo(Metadata.empty());
    // Same millisecond, still strictly increasing ids.
    assertThat(first.id()).isNotEqualTo(got.get(1).id());
    assertThat(first.id().compareTo(got.get(1).id())).isNegative();
    assertThat(first.toString()).doesNotContain("r1");
  }

  @Test
  void publishingAnEnvelope_keepsItsIdentity() {
    List<Event<?>> got = new CopyOnWriteArrayList<>();
    bus.subscribe("report.ready", got::add);
    Event<ReportReady> original = Event.builder(new ReportReady("r1"))
        .id("evt-1").timestamp(Instant.parse("2020-01-01T00:00:00Z")).build();

    bus.publishSync(original);

    assertThat(got).singleElement().satisfies(e -> {
      assertThat(e.id()).isEqualTo("evt-1");
      assertThat(e.timestamp()).isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
      assertThat(e.source()).isEqualTo("test");
    });
  }

  @Test
  void publishSync_callsHigherPriorityFirst_thenSubscriptionOrder() {
    List<String> got = new CopyOnWriteArrayList<>();
    bus.on(ReportReady.class).priority(0).subscribe(e -> got.add("a0"));
    bus.on(ReportReady.class).priority(5).subscribe(e -> got.add("b5"));
    bus.on(ReportReady.class).priority(0).subscribe(e -> got.add("c0"));
    bus.onType("report.*").priority(9).subscribe(e -> got.add("d9"));

    bus.publishSync(new ReportReady("r"));

    assertThat(got).containsExactly("d9", "b5", "a0", "c0");
  }

  @Test
  void publishSync_extremePriorities_keepTheirOrder() {
    // Regression: ordering negated the priority, and -Integer.MIN_VALUE is Integer.MIN_VALUE,
    // so the lowest priority ran first.
    List<String> got = new CopyOnWriteArrayList<>();
    bus.on(ReportReady.class).priority(Integer.MIN_VALUE).subscribe(e -> got.add("min"));
    bus.onType("report.*").priority(Integer.MIN_VALUE + 1).subscribe(e -> got.add("min+1"));
    bus.on(ReportReady.class).subscribe(e -> got.add("default"));
    bus.onType("report.*").priority(Integer.MAX_VALUE).subscribe(e -> got.add("max"));

    bus.publishSync(new ReportReady("r"));

    assertThat(got).containsExactly("max", "default", "min+1", "min");
  }

  @Test
  void arrayEvents_reachSubscribersOfTheArraysOfTheirComponentsSupertypes() {
    // Regression: an array's superclass is Object, so an Object[] subscriber missed a String[].
    List<String> got = new CopyOnWriteArrayList<>();
    bus.subscribe(Object[].class, a -> got.add("Object[] " + a.length));
    bus.subscribe(CharSequence[].class, a -> got.add("CharSequence[] " + a.length));
    bus.subscribe(Number[].class, a -> got.add("Number[] " + a.length));
    bus.subscribe(Object[][].class, a -> got.add("Object[][] " + a.length));
    bus.subscribe(Cloneable.class, a -> got.add("Cloneable"));

    bus.subscribe(Runnable[].class, a -> got.add("Runnable[] " + a.length));

    bus.publishSync(new String[] {"a"});
    bus.publishSync(new String[][] {{"b"}, {"c"}});
    bus.publishSync(new int[] {1, 2, 3});
    bus.publishSync(new Runnable[] {() -> { }, () -> { }, () -> { }, () -> { }});
    bus.publishSync(new Runnable[][] {{}, {}, {}, {}, {}});

    assertThat(got).containsExactlyInAnyOrder(
        "Object[] 1", "CharSequence[] 1", "Cloneable",
        "Object[] 2", "Object[][] 2", "Cloneable",
        "Cloneable",
        "Object[] 4", "Runnable[] 4", "Cloneable",
        "Object[] 5", "Object[][] 5", "Cloneable");
  }

  @Test
  void filter_skipsEventsWithoutCountingFailures() {
    List<String> got = new CopyOnWriteArrayList<>();
    bus.on(ReportReady.class).filter(r -> r.id().startsWith("keep")).subscribe(r -> got.add(r.id()));

    bus.publishSync(new ReportReady("keep-1"));
    bus.publishSync(new ReportReady("drop-1"));

    assertThat(got).containsExactly("keep-1");
    DeliveryStats stats = bus.metrics().byType().get("report.ready");
    assertThat(stats.published()).isEqualTo(2);
    assertThat(stats.delivered()).isEqualTo(1);
    assertThat(stats.failed()).isZero();
  }

  @Test
  void handlerException_neverReachesPublisherOrOtherHandlers() {
    List<String> got = new CopyOnWriteArrayList<>();
    List<SubscriberExceptionContext> reported = new CopyOnWriteArrayList<>();
    try (EventBus b = EventBus.builder().exceptionHandler((e, c) -> reported.add(c)).build()) {
      b.on(ReportReady.class).name("boom").priority(1).subscribe(e -> {
        throw new IllegalStateException("handler bug");
      });
      b.subscribe(ReportReady.class, e -> got.add(e.id()));

      b.publishSync(new ReportReady("r1"));

      assertThat(got).containsExactly("r1");
      assertThat(reported).singleElement().satisfies(c -> {
        assertThat(c.subscriber()).isEqualTo("boom");
        assertThat(c.attempt()).isEqualTo(1);
        assertThat(c.willRetry()).isFalse();
        assertThat(c.event().type()).isEqualTo("report.ready");
      });
    }
  }

  @Test
  void exceptionHandlerThatThrows_isContained_andDeadLetterStillPublished() {
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    try (EventBus b = EventBus.builder().exceptionHandler((e, c) -> {
      throw new RuntimeException("exception handler bug");
    }).build()) {
      b.subscribe(DeadLetter.class, letters::add);
      b.subscribe(ReportReady.class, e -> {
        throw new IllegalStateException("handler bug");
      });

      b.publishSync(new ReportReady("r1"));

      assertThat(letters).singleElement().satisfies(l -> {
        assertThat(l.cause()).hasMessage("handler bug");
        assertThat(l.attempts()).isEqualTo(1);
      });
    }
  }

  @Test
  void failingDeadLetterHandler_doesNotRecurse() {
    CountDownLatch calls = new CountDownLatch(2);
    List<Throwable> reported = new CopyOnWriteArrayList<>();
    try (EventBus b = EventBus.builder().exceptionHandler((e, c) -> reported.add(e)).build()) {
      b.subscribe(DeadLetter.class, l -> {
        calls.countDown();
        throw new IllegalStateException("dead letter handler bug");
      });
      b.subscribe(ReportReady.class, e -> {
        throw new IllegalStateException("handler bug");
      });

      b.publishSync(new ReportReady("r1"));

      assertThat(calls.getCount()).isEqualTo(1); // called once, not again for its own failure
      assertThat(reported).extracting(Throwable::getMessage)
          .containsExactly("handler bug", "dead letter handler bug");
    }
  }

  @Test
  void eventWithoutSubscriber_becomesDeadEvent_notSeenByCatchAll() {
    List<DeadEvent> dead = new CopyOnWriteArrayList<>();
    List<Event<?>> all = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadEvent.class, dead::add);
    bus.subscribe("file_change", all::add);

    bus.publishSync(new ReportReady("nobody"));
    bus.publishSync(DynamicEvent.of("file_change", Map.of()));

    assertThat(dead).singleElement()
        .satisfies(d -> assertThat(d.event().payload()).isEqualTo(new ReportReady("nobody")));
    assertThat(all).hasSize(1);
    assertThat(bus.metrics().byType().get("report.ready").deadEvents()).isEqualTo(1);
  }

  @Test
  void subscribers_countsPerTypeNameAndPattern() {
    Subscription a = bus.subscribe(ReportReady.class, e -> {});
    bus.subscribe(ReportReady.class, e -> {});
    bus.subscribe("report.*", e -> {});

    assertThat(bus.subscribers()).containsExactly(
        Map.entry("report.*", 1), Map.entry("report.ready", 2));
    a.close();
    assertThat(bus.subscribers()).containsEntry("report.ready", 1);
    bus.close();
    assertThat(bus.subscribers()).as("close() ends every subscription").isEmpty();
  }

  @Test
  void subscriptionClose_isIdempotent_andStopsDelivery() {
    List<String> got = new CopyOnWriteArrayList<>();
    Subscription s = bus.subscribe(ReportReady.class, e -> got.add(e.id()));
    bus.publishSync(new ReportReady("before"));

    s.close();
    s.close();
    bus.publishSync(new ReportReady("after"));

    assertThat(got).containsExactly("before");
    assertThat(s.isActive()).isFalse();
  }

  @Test
  void subscriptionClose_fromInsideItsHandler_returnsAndStopsLaterEvents() {
    List<String> got = new CopyOnWriteArrayList<>();
    Subscription[] self = new Subscription[1];
    self[0] = bus.subscribe(ReportReady.class, e -> {
      got.add(e.id());
      self[0].close();
    });

    bus.publishSync(new ReportReady("1"));
    bus.publishSync(new ReportReady("2"));

    assertThat(got).containsExactly("1");
  }

  @Test
  void publish_afterClose_throws() {
    bus.close();

    assertThatThrownBy(() -> bus.publish(new ReportReady("x")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bus 'test' is closed");
    assertThatThrownBy(() -> bus.publishSync(new ReportReady("x")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> bus.subscribe(ReportReady.class, e -> {}))
        .isInstanceOf(IllegalStateException.class);
    assertThat(bus.isClosed()).isTrue();
  }

  @Test
  void publish_null_throwsNullPointer() {
    assertThatThrownBy(() -> bus.publish(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("event");
  }

  @Test
  void publishWithMetadata_ofAnEnvelope_isRejected() {
    Event<ReportReady> e = Event.builder(new ReportReady("r")).id("1").timestamp(Instant.EPOCH).build();
    assertThatThrownBy(() -> bus.publish(e, Metadata.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("withMetadata");
  }

  @Test
  void publish_async_deliversOnNamedWorkerThread() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    String[] thread = new String[1];
    bus.subscribe(ReportReady.class, e -> {
      thread[0] = Thread.currentThread().getName();
      done.countDown();
    });

    bus.publish(new ReportReady("r"));

    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(thread[0]).startsWith("test-worker-");
  }
}
