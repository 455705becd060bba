package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A DeadLetter given to publish takes the dead-letter path only; both system events are JSON. */
class DeadLetterPublishTest {

  record Item(int n) {}

  private static DeadLetter letter() {
    Event<Item> event = Event.builder(new Item(7)).id("evt-7").timestamp(Instant.parse("2030-01-01T00:00:00Z")).build();
    return new DeadLetter(event, "ledger", new java.io.IOException("disk full"), 3);
  }

  @Test
  void publishDeadLetter_reachesDeadLetterSubscribersOnly_syncAndAsync() {
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    List<Object> everything = new CopyOnWriteArrayList<>();
    List<Object> patterns = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("republish").build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.subscribe(Object.class, everything::add);
      bus.subscribe("*", patterns::add);
      DeadLetter letter = letter();

      bus.publishSync(letter);
      bus.publish(letter);
      bus.publish(Event.builder(letter).id("evt-letter").timestamp(Instant.parse("2030-01-01T00:00:00Z")).build());

      assertThat(letters).hasSize(3).allSatisfy(l -> assertThat(l).isSameAs(letter));
      assertThat(everything).isEmpty();
      assertThat(patterns).isEmpty();
    }
  }

  @Test
  void deadLetterHandlerRepublishing_neverLoops() {
    AtomicInteger calls = new AtomicInteger();
    try (EventBus bus = EventBus.builder().name("no-loop").build()) {
      bus.subscribe(DeadLetter.class, l -> {
        calls.incrementAndGet();
        bus.publishSync(l);
        bus.publish(l);
      });

      bus.publishSync(letter());

      assertThat(calls).hasValue(1);
    }
  }

  @Test
  void publishDeadLetter_withoutSubscriber_isNotADeadEvent() {
    List<DeadEvent> deadEvents = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("unheard").build()) {
      bus.subscribe(DeadEvent.class, deadEvents::add);
      bus.publishSync(letter());
      assertThat(deadEvents).isEmpty();
    }
  }

  @Test
  void deadLetter_jsonForm() throws IOException {
    DeadLetter letter = letter();
    JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(letter));

    assertThat(json.size()).isEqualTo(6);
    assertThat(json.get("event_id").asText()).isEqualTo(letter.event().id());
    assertThat(json.get("type").asText()).isEqualTo(letter.event().type());
    assertThat(json.get("subscriber").asText()).isEqualTo("ledger");
    assertThat(json.get("cause_class").asText()).isEqualTo("java.io.IOException");
    assertThat(json.get("cause_message").asText()).isEqualTo("disk full");
    assertThat(json.get("attempts").asInt()).isEqualTo(3);
  }

  @Test
  void deadLetter_jsonForm_causeWithoutMessage_isNull() throws IOException {
    DeadLetter letter = new DeadLetter(Event.builder(new Item(1)).id("evt-1").timestamp(Instant.parse("2030-01-01T00:00:00Z")).build(), "s", new IllegalStateException(), 0);
    JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(letter));
    assertThat(json.get("cause_message").isNull()).isTrue();
  }

  @Test
  void deadEvent_jsonForm() throws IOException {
    List<DeadEvent> deadEvents = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("dead-json")
        .clock(new ManualClock(Instant.parse("2030-01-01T00:00:00Z"))).build()) {
      bus.subscribe(DeadEvent.class, deadEvents::add);
      bus.publishSync(new Item(1));
    }
    DeadEvent dead = deadEvents.get(0);
    JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(dead));
    assertThat(json.size()).isEqualTo(2);
    assertThat(json.get("event_id").asText()).isEqualTo(dead.event().id());
    assertThat(json.get("type").asText()).isEqualTo(dead.event().type());
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(ReentrantDispatch.class)
  void deadLetterHandlerRepublishingTheFailingPayload_loopIsCut(ReentrantDispatch mode) {
    AtomicInteger letters = new AtomicInteger();
    AtomicInteger attempts = new AtomicInteger();
    try (EventBus bus = EventBus.builder().name("dead-letter-loop-" + mode)
        .reentrantDispatch(mode).exceptionHandler((e, c) -> {}).build()) {
      bus.subscribe(Item.class, i -> {
        attempts.incrementAndGet();
        throw new IllegalStateException("always");
      });
      bus.subscribe(DeadLetter.class, l -> {
        if (letters.incrementAndGet() < 10_000) { // a bound for the test only
          bus.publishSync(l.event().payload());
        }
      });

      bus.publishSync(new Item(1)); // returns: no StackOverflowError, no endless loop

      assertThat(letters.get()).isEqualTo(DeadLetters.MAX_DEAD_LETTER_DEPTH);
      assertThat(attempts.get()).isEqualTo(DeadLetters.MAX_DEAD_LETTER_DEPTH + 1);
      DeliveryStats stats = bus.metrics().byType().get(Item.class.getName());
      assertThat(stats.deadLettered()).isEqualTo(attempts.get()); // every one still counted
    }
  }
}
