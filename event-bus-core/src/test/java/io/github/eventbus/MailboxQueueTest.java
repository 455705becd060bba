package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mailbox queue on its own: order and emptiness across chunk boundaries against a model, many
 * producers against one consumer, and close walking the queue while the consumer still takes.
 */
class MailboxQueueTest {

  private static final int CHUNK = MailboxQueue.CHUNK;
  private static final int LOOK_BEHIND = MailboxQueue.LOOK_BEHIND;
  private static final Route ROUTE =
      new Route(Long.class, "Long", new Subscriber[0], new TypeStats());

  /** Polls one item; returns its payload (null if empty), checking the fields a payload carries. */
  private static Object pollPayload(MailboxQueue queue, MailboxQueue.Cursor at) {
    Delivery delivery = queue.poll(at, Delivery.firstAttempt());
    if (delivery == null) {
      return null;
    }
    if (delivery.attempt == 1 && delivery.tracker == null && delivery.route == ROUTE) {
      return delivery.payload;
    }
    return delivery; // queued as a Delivery of its own
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42, 2026})
  void poll_matchesFifoModel_acrossChunkBoundaries(long seed) {
    Random random = new Random(seed);
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    ArrayDeque<Object> model = new ArrayDeque<>();
    long next = 0;
    for (int step = 0; step < 20 * CHUNK; step++) {
      if (random.nextInt(100) < 55) { // slightly more offers than polls: the queue grows
        if (random.nextInt(10) == 0) {
          Delivery own = new Delivery(next++, null, ROUTE, 2, 0, null, 0, null);
          queue.offer(own, null, null);
          model.add(own);
        } else {
          Long payload = next++;
          queue.offer(payload, ROUTE, null);
          model.add(payload);
        }
        assertThat(queue.pending(at)).isTrue();
      } else {
        assertThat(pollPayload(queue, at)).as("step %d", step).isEqualTo(model.poll());
      }
      if (random.nextInt(50) == 0) { // a run ends and the next one starts where it stopped
        queue.store(at);
        at = queue.cursor();
      }
    }
    while (!model.isEmpty()) {
      assertThat(pollPayload(queue, at)).isEqualTo(model.poll());
    }
    assertThat(queue.pending(at)).isFalse();
    assertThat(queue.poll(at, null)).isNull();
  }

  @Test
  void poll_atExactChunkEnd_isEmptyThenSeesTheNextOffer() {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    for (long i = 0; i < CHUNK; i++) {
      queue.offer(i, ROUTE, null);
    }
    for (long i = 0; i < CHUNK; i++) {
      assertThat(pollPayload(queue, at)).isEqualTo(i);
    }
    assertThat(queue.pending(at)).isFalse(); // the next chunk exists already, but holds nothing
    assertThat(queue.hasWritten(at, 0)).isFalse();
    assertThat(queue.poll(at, null)).isNull();
    assertThat(queue.poll(at, null)).isNull(); // an empty poll does not move past anything
    queue.offer(-1L, ROUTE, null);
    assertThat(queue.pending(at)).isTrue();
    assertThat(queue.hasWritten(at, 0)).isTrue();
    assertThat(pollPayload(queue, at)).isEqualTo(-1L);
  }

  @Test
  void writtenAhead_countsWrittenSlots_intoTheNextChunk() {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    for (long i = 0; i < CHUNK - 10; i++) {
      queue.offer(i, ROUTE, null);
    }
    for (long i = 0; i < CHUNK - 20; i++) {
      assertThat(pollPayload(queue, at)).isEqualTo(i);
    }
    assertThat(queue.writtenAhead(at, CHUNK - 1)).isEqualTo(10);
    assertThat(queue.hasWritten(at, 9)).isTrue();
    assertThat(queue.hasWritten(at, 10)).isFalse();
    assertThat(queue.hasWritten(at, 40)).isFalse(); // in a next chunk that holds nothing yet
    for (long i = CHUNK - 10; i < CHUNK + 15; i++) {
      queue.offer(i, ROUTE, null);
    }
    assertThat(queue.hasWritten(at, 34)).isTrue();
    assertThat(queue.hasWritten(at, 35)).isFalse();
    // 35 written: the look stops LOOK_BEHIND short of the last reserved slot
    assertThat(queue.writtenAhead(at, CHUNK - 1)).isEqualTo(35 - LOOK_BEHIND);
    assertThat(queue.writtenRun(at, CHUNK - 1)).isEqualTo(35);
    assertThat(queue.writtenAhead(at, 20)).isEqualTo(20);
    assertThat(queue.writtenRun(at, 20)).isEqualTo(20);
    for (long i = CHUNK - 20; i < CHUNK + 15; i++) {
      assertThat(pollPayload(queue, at)).isEqualTo(i);
    }
    assertThat(queue.writtenAhead(at, CHUNK - 1)).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 11, 12, 13, 14, 24, 25, 90, 91, 92, 127, 128, 129, 700, 999, 1000,
      1001, 1011, 1012, 1013, 1500})
  void writtenAhead_countsTheWrittenRun_severalChunksAhead(int offered) {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    for (long i = 0; i < 37; i++) { // the consumer's place, mid-chunk
      queue.offer(i, ROUTE, null);
      assertThat(pollPayload(queue, at)).isEqualTo(i);
    }
    for (long i = 0; i < offered; i++) {
      queue.offer(i, ROUTE, null);
    }
    // exact up to LOOK_BEHIND slots; beyond, LOOK_BEHIND short of the last reserved (but never
    // below LOOK_BEHIND), up to max; 91 offered fill the cursor's chunk, which has no next yet
    int expected = offered <= LOOK_BEHIND ? offered
        : Math.min(Math.max(LOOK_BEHIND, offered - LOOK_BEHIND), 1000);
    assertThat(queue.writtenAhead(at, 1000)).isEqualTo(expected);
    assertThat(queue.writtenRun(at, 1000)).isEqualTo(Math.min(offered, 1000));
    assertThat(queue.reservedAhead(at, 2000)).isEqualTo(offered);
    assertThat(queue.reservedAhead(at, 1000)).isEqualTo(Math.min(offered, 1000));
    assertThat(queue.hasWritten(at, 999)).isEqualTo(offered >= 1000);
    if (offered > 0) {
      assertThat(queue.hasWritten(at, offered - 1)).isTrue();
    }
    assertThat(queue.hasWritten(at, offered)).isFalse();
  }

  @Test
  void writtenAhead_lookBehindSlotNotWrittenYet_countsTheWrittenRunAmongTheReserved()
      throws Exception {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    for (long i = 0; i < 3; i++) { // the consumer's place, mid-chunk
      queue.offer(i, ROUTE, null);
      assertThat(pollPayload(queue, at)).isEqualTo(i);
    }
    for (long i = 0; i < 50; i++) {
      queue.offer(i, ROUTE, null);
    }
    MailboxQueue.Chunk tail = tailOf(queue);
    tail.reserved += 2 * LOOK_BEHIND; // reserved by producers that have not written yet

    // the slot LOOK_BEHIND before the last reserved one is among the unwritten: search below it
    assertThat(queue.reservedAhead(at, 1000)).isEqualTo(50 + 2 * LOOK_BEHIND);
    assertThat(queue.writtenAhead(at, 1000)).isEqualTo(50);
    assertThat(queue.writtenAhead(at, 20)).isEqualTo(20);
  }

  @Test
  void writtenAhead_reservedButNoneWritten_isZero() throws Exception {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    tailOf(queue).reserved += 3 * LOOK_BEHIND;

    assertThat(queue.reservedAhead(at, 1000)).isEqualTo(3 * LOOK_BEHIND);
    assertThat(queue.writtenAhead(at, 1000)).isZero();
    assertThat(queue.writtenAhead(at, 0)).isZero();
  }

  @Test
  void writtenAhead_cursorSlotReservedNotWritten_isZero() throws Exception {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    tailOf(queue).reserved += 1; // the consumer's next slot: reserved by a producer not done yet
    offer(queue, 0, 35);

    assertThat(queue.reservedAhead(at, 1000)).isEqualTo(36);
    assertThat(queue.writtenAhead(at, 1000)).isZero();
    assertThat(queue.writtenRun(at, 1000)).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 37, CHUNK - 1})
  void writtenAhead_oneProducerPublishing_neverGoesDown_andWrittenRunIsExact(int place) {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    for (long i = 0; i < place; i++) {
      queue.offer(i, ROUTE, null);
      assertThat(pollPayload(queue, at)).isEqualTo(i);
    }
    int before = 0;
    for (int written = 1; written <= 1100; written++) {
      queue.offer((long) written, ROUTE, null);
      int look = queue.writtenAhead(at, 1000);
      assertThat(look).as("after %s written", written)
          .isGreaterThanOrEqualTo(before)
          .isBetween(Math.min(written, 1000) - LOOK_BEHIND, Math.min(written, 1000))
          .isPositive();
      assertThat(queue.writtenRun(at, 1000)).isEqualTo(Math.min(written, 1000));
      before = look;
    }
  }

  @Test
  void lookAndRun_atChunkEnd_withAnEmptyChunkAppendedAhead_areZeroUntilAnOffer() {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    MailboxQueue.Chunk first = at.chunk;
    for (long i = 0; i < CHUNK; i++) {
      queue.offer(i, ROUTE, null);
      assertThat(pollPayload(queue, at)).isEqualTo(i);
    }
    queue.appendAfter(first);
    assertThat(at.index).isEqualTo(CHUNK);

    assertThat(queue.reservedAhead(at, 1000)).isZero();
    assertThat(queue.writtenAhead(at, 1000)).isZero();
    assertThat(queue.writtenRun(at, 1000)).isZero();
    queue.offer(-1L, ROUTE, null);
    assertThat(queue.reservedAhead(at, 1000)).isEqualTo(1);
    assertThat(queue.writtenAhead(at, 1000)).isEqualTo(1);
    assertThat(queue.writtenRun(at, 1000)).isEqualTo(1);
  }

  @Test
  void writtenAhead_largestMax_doesNotOverflow() {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    offer(queue, 0, 5);
    assertThat(queue.writtenAhead(at, Integer.MAX_VALUE)).isEqualTo(5);
    offer(queue, 5, 40);
    assertThat(queue.writtenAhead(at, Integer.MAX_VALUE)).isEqualTo(40 - LOOK_BEHIND);
    assertThat(queue.writtenRun(at, Integer.MAX_VALUE)).isEqualTo(40);
  }

  @Test
  void lookAndRun_countSlotsCloseTook_andPollThenFindsNothing() {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    offer(queue, 0, 40);
    List<Delivery> taken = new ArrayList<>();
    queue.takeAllFrom(taken);
    assertThat(taken).hasSize(40);

    assertThat(queue.writtenAhead(at, 1000)).isEqualTo(40 - LOOK_BEHIND);
    assertThat(queue.writtenRun(at, 1000)).isEqualTo(40);
    assertThat(queue.poll(at, null)).isNull(); // skips every taken slot, hands out none twice
    assertThat(at.index).isEqualTo(40);
  }

  /** Offers the payloads {@code from} to {@code to - 1}, in order. */
  private static void offer(MailboxQueue queue, long from, long to) {
    for (long i = from; i < to; i++) {
      queue.offer(i, ROUTE, null);
    }
  }

  private static MailboxQueue.Chunk tailOf(MailboxQueue queue) throws Exception {
    Field tail = MailboxQueue.class.getDeclaredField("tail");
    tail.setAccessible(true);
    return (MailboxQueue.Chunk) tail.get(queue);
  }

  @Test
  void store_carriesTheCreditAndTheCountTakenToTheNextRun() {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    assertThat(at.credit).isEqualTo(Integer.MAX_VALUE); // a first run takes what it finds
    assertThat(at.taken).isZero();
    at.credit = 17;
    at.taken = 5;
    queue.store(at);
    assertThat(queue.cursor().credit).isEqualTo(17);
    assertThat(queue.cursor().taken).isEqualTo(5);
  }

  @Test
  void poll_handsOverTheEnvelope_andCloseFindsTheSlotTaken() {
    MailboxQueue queue = MailboxQueue.create();
    MailboxQueue.Cursor at = queue.cursor();
    Event<Long> event =
        Event.builder(7L).id("e-7").timestamp(java.time.Instant.EPOCH).build();
    queue.offer(7L, ROUTE, event);
    Delivery delivery = queue.poll(at, Delivery.firstAttempt());
    assertThat(delivery.event).isSameAs(event);
    List<Delivery> rest = new ArrayList<>();
    queue.takeAllFrom(rest); // walks the same chunk again: the slot is taken, nothing left in it
    assertThat(rest).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void offer_fromFourThreads_consumerSeesEveryItemOnceInEachProducersOrder(int round)
      throws Exception {
    int producers = 4;
    int perProducer = 250_000;
    MailboxQueue queue = MailboxQueue.create();
    List<String> errors = new CopyOnWriteArrayList<>();
    AtomicBoolean done = new AtomicBoolean();
    long[] received = new long[1];
    Thread consumer = new Thread(() -> {
      int[] next = new int[producers];
      MailboxQueue.Cursor at = queue.cursor();
      Delivery scratch = Delivery.firstAttempt();
      while (received[0] < (long) producers * perProducer) {
        Delivery d = queue.poll(at, scratch);
        if (d == null) {
          if (done.get() && !queue.pending(at)) {
            errors.add("empty after every producer finished, at " + received[0]);
            return;
          }
          Thread.onSpinWait();
          continue;
        }
        long value = (Long) d.payload;
        int producer = (int) (value >>> 32);
        int seq = (int) value;
        if (seq != next[producer]) {
          errors.add("producer " + producer + ": expected " + next[producer] + ", got " + seq);
          return;
        }
        next[producer]++;
        if (++received[0] % Mailbox.BATCH == 0) { // a run ends, unlinking the chunks it left
          queue.store(at);
          at = queue.cursor();
        }
      }
    }, "t-queue-consumer");
    consumer.start();
    TestThreads.publishFromThreads(producers, perProducer,
        (id, s) -> queue.offer(((long) id << 32) | s, ROUTE, null));
    done.set(true);
    consumer.join(TimeUnit.MINUTES.toMillis(1));
    assertThat(consumer.isAlive()).isFalse();
    assertThat(errors).isEmpty();
    assertThat(received[0]).isEqualTo((long) producers * perProducer);
  }

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18})
  void takeAllFrom_racingConsumerAndProducers_takesEachItemExactlyOnce(long seed)
      throws Exception {
    Random random = new Random(seed);
    int producers = 2;
    int perProducer = 20_000;
    int closeAfter = random.nextInt(producers * perProducer);
    MailboxQueue queue = MailboxQueue.create();
    List<Object> consumed = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch reached = new CountDownLatch(1);
    Thread consumer = new Thread(() -> {
      MailboxQueue.Cursor at = queue.cursor();
      while (!stop.get()) {
        Delivery d = queue.poll(at, null);
        if (d == null) {
          Thread.onSpinWait();
          continue;
        }
        consumed.add(d.payload);
        if (consumed.size() == closeAfter) {
          reached.countDown();
        }
        if (consumed.size() % Mailbox.BATCH == 0) { // a run ends while close walks the queue
          queue.store(at);
          at = queue.cursor();
        }
      }
      queue.store(at);
    }, "t-queue-consumer");
    consumer.start();
    List<Delivery> taken = new ArrayList<>();
    Thread closer = new Thread(() -> {
      TestThreads.awaitQuietly(reached);
      queue.takeAllFrom(taken); // while the consumer and the producers still run
    }, "t-queue-closer");
    closer.start();
    TestThreads.publishFromThreads(producers, perProducer,
        (id, s) -> queue.offer(((long) id << 32) | s, ROUTE, null));
    if (closeAfter == 0) {
      reached.countDown();
    }
    closer.join();
    stop.set(true);
    consumer.join();
    List<Delivery> rest = new ArrayList<>(); // what neither took: the producers ran on
    queue.takeAllFrom(rest);

    Set<Object> seen = new HashSet<>();
    List<Object> duplicates = new ArrayList<>();
    for (Object payload : consumed) {
      if (!seen.add(payload)) {
        duplicates.add(payload);
      }
    }
    for (List<Delivery> list : List.of(taken, rest)) {
      for (Delivery d : list) {
        assertThat(d.route).isSameAs(ROUTE);
        if (!seen.add(d.payload)) {
          duplicates.add(d.payload);
        }
      }
    }
    assertThat(duplicates).isEmpty();
    assertThat(seen).hasSize(producers * perProducer);
  }
}
