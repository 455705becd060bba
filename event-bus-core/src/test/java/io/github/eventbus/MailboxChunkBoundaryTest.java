package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mailbox and its queue at chunk boundaries: rounds that end exactly at a chunk's end, start or
 * middle while the worker goes idle, a consumer place handed between threads, close racing both,
 * caller-runs racing close, a deliverer that throws, and an executor that refuses.
 */
class MailboxChunkBoundaryTest {

  private static final int CHUNK = MailboxQueue.CHUNK;
  private static final Route ROUTE =
      new Route(Long.class, "Long", new Subscriber[0], new TypeStats());
  /** Where a round leaves the total count, modulo a chunk: around the end and the middle. */
  private static final int[] ENDS = {126, 127, 0, 1, 2, 63, 64, 65};

  /** A deliverer that counts the ids (the payloads) it gets and notes one it gets twice. */
  private static Mailbox.Deliverer countingOnce(AtomicIntegerArray seen, AtomicLong count,
      List<String> errors) {
    return (s, d, run) -> {
      int id = (int) (long) (Long) d.payload;
      if (seen.incrementAndGet(id) != 1) {
        errors.add("delivered twice: " + id);
      }
      count.incrementAndGet();
      run.finished();
    };
  }

  /** Items for a round so that the running total ends at a chosen place of a chunk. */
  private static int roundSize(Random random, long sent) {
    int target = ENDS[random.nextInt(ENDS.length)];
    int k = Math.floorMod(target - (int) (sent % CHUNK), CHUNK);
    return k == 0 ? CHUNK : k;
  }

  /** Persistent publishers that, each round, take ids from a shared counter up to the round end. */
  private static final class Publishers implements AutoCloseable {
    final CyclicBarrier start;
    final CyclicBarrier end;
    final AtomicLong nextId = new AtomicLong();
    volatile long roundEnd;
    volatile boolean stop;
    final List<Thread> threads = new ArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    Publishers(int n, long seed, PublishOne publish) {
      start = new CyclicBarrier(n + 1);
      end = new CyclicBarrier(n + 1);
      for (int p = 0; p < n; p++) {
        Random random = new Random(seed * 31 + p);
        Thread t = new Thread(() -> {
          try {
            while (true) {
              start.await();
              if (stop) {
                return;
              }
              long id;
              while ((id = nextId.getAndIncrement()) < roundEnd) {
                publish.publish(id, random);
              }
              nextId.getAndDecrement(); // keep the counter at the round end
              end.await();
            }
          } catch (InterruptedException | BrokenBarrierException e) {
            Thread.currentThread().interrupt();
          } catch (Throwable e) {
            errors.add(e);
          }
        }, "t-boundary-pub-" + p);
        threads.add(t);
        t.start();
      }
    }

    /** Runs one round of {@code size} items and waits until every publisher is done with it. */
    void round(long size) throws Exception {
      roundEnd = nextId.get() + size;
      start.await(10, TimeUnit.SECONDS);
      end.await(10, TimeUnit.SECONDS);
      // overshoots were given back; the counter is exactly at the round end now
      assertThat(nextId.get()).isEqualTo(roundEnd);
    }

    @Override
    public void close() throws Exception {
      stop = true;
      try {
        start.await(10, TimeUnit.SECONDS);
      } catch (BrokenBarrierException | TimeoutException e) {
        // a publisher failed; join below shows it
      }
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
  }

  interface PublishOne {
    void publish(long id, Random random);
  }

  /**
   * Q1: rounds of several publishers whose last item lands at index 125..128 or 62..64 of a chunk
   * while the single worker is spinning, yielding or idle; after each round everything must be
   * delivered, each id exactly once.
   */
  @ParameterizedTest
  @ValueSource(longs = {101, 102, 103, 104})
  void roundsEndingAtChunkBoundaries_workerGoingIdle_nothingStranded(long seed) throws Exception {
    int rounds = 5000;
    int max = rounds * CHUNK;
    AtomicIntegerArray seen = new AtomicIntegerArray(max);
    AtomicLong delivered = new AtomicLong();
    List<String> errors = new CopyOnWriteArrayList<>();
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "t-boundary-w"));
    Mailbox mailbox = MailboxTest.standalone(countingOnce(seen, delivered, errors), worker);
    Random random = new Random(seed);
    long sent = 0;
    // 8 publishers on a 2-core machine: some are preempted between reserving and writing
    try (Publishers publishers = new Publishers(seed % 2 == 0 ? 8 : 3, seed, (id, r) -> {
      if (r.nextInt(5) == 0) { // a full delivery takes a slot with no route of its own
        mailbox.enqueue(new Delivery(id, null, ROUTE, 1, 0, null, 0, null));
      } else {
        mailbox.enqueue(id, ROUTE, null);
      }
    })) {
      for (int i = 0; i < rounds; i++) {
        int size = roundSize(random, sent);
        publishers.round(size);
        sent += size;
        long expected = sent;
        assertThat(TestThreads.await(() -> delivered.get() == expected, Duration.ofSeconds(10)))
            .as("round %s (size %s, total %s mod %s = %s): delivered %s", i, size, expected,
                CHUNK, expected % CHUNK, delivered)
            .isTrue();
        // The worker spins, yields or is idle when the next lands.
        TestThreads.spin(random.nextInt(120_000));
      }
      assertThat(publishers.errors).isEmpty();
    } finally {
      worker.shutdownNow();
    }
    assertThat(errors).isEmpty();
    assertThat(delivered.get()).isEqualTo(sent);
  }

  /**
   * Q2: 2 to 8 producers against a consumer whose place moves between two threads (handed over
   * through a volatile turn, as RUNNING hands it over) after random batches, each thread reloading
   * the cursor with {@code cursor()} and storing it with {@code store()}; per-producer order kept,
   * nothing skipped or repeated, nothing left once the producers are done.
   */
  @ParameterizedTest
  @ValueSource(ints = {2, 3, 5, 8})
  void poll_cursorHandedBetweenThreads_noSkipNoRepeatAcrossChunks(int producers)
      throws Exception {
    int perProducer = 160_000 / producers;
    long total = (long) producers * perProducer;
    MailboxQueue queue = MailboxQueue.create();
    List<String> errors = new CopyOnWriteArrayList<>();
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger turn = new AtomicInteger();
    int[] next = new int[producers];
    long[] received = new long[1];
    List<Thread> consumers = new ArrayList<>();
    for (int c = 0; c < 2; c++) {
      int me = c;
      Random random = new Random(producers * 7919L + c);
      Thread t = new Thread(() -> {
        while (true) {
          while (turn.get() != me) {
            if (turn.get() < 0) {
              return;
            }
            Thread.yield();
          }
          // the other thread's fields are visible: it set the turn after store()
          if (received[0] == total || !errors.isEmpty()) {
            turn.set(-1);
            return;
          }
          boolean finished = done.get();
          MailboxQueue.Cursor at = queue.cursor();
          Delivery scratch = random.nextBoolean() ? Delivery.firstAttempt() : null;
          int batch = 1 + random.nextInt(3 * CHUNK);
          for (int n = 0; n < batch; n++) {
            Delivery d = queue.poll(at, scratch);
            if (d == null) {
              if (finished && !queue.pending(at) && received[0] < total) {
                errors.add("empty after producers finished, at " + received[0] + " of " + total);
              }
              break;
            }
            long value = (Long) d.payload;
            int producer = (int) (value >>> 32);
            int seq = (int) value;
            if (d.route != ROUTE) {
              errors.add("wrong route at " + value);
            }
            if (seq != next[producer]) {
              errors.add("producer " + producer + ": expected " + next[producer] + ", got " + seq);
              break;
            }
            next[producer]++;
            received[0]++;
          }
          queue.store(at);
          turn.set(1 - me);
        }
      }, "t-boundary-consumer-" + c);
      consumers.add(t);
      t.start();
    }
    TestThreads.publishFromThreads(producers, perProducer,
        (id, s) -> queue.offer(((long) id << 32) | s, ROUTE, null));
    done.set(true);
    for (Thread t : consumers) {
      t.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(t.isAlive()).as("consumer stuck at %s of %s", received[0], total).isFalse();
    }
    assertThat(errors).isEmpty();
    assertThat(received[0]).isEqualTo(total);
  }

  /**
   * Q3: close ({@code takeAllFrom}, twice at once) racing a consumer that stores its place after
   * every small batch and 4 producers, with close triggered when the consumer is at a chunk
   * boundary; every item exactly once over consumer, the closers and a final sweep.
   */
  @ParameterizedTest
  @ValueSource(ints = {63, 64, 127, 128, 129, 255, 256, 257, 383, 384})
  void takeAllFrom_twoClosersAtChunkBoundary_eachItemExactlyOnce(int closeAfter)
      throws Exception {
    for (int rep = 0; rep < 20; rep++) {
      int producers = 4;
      int perProducer = 2_000;
      MailboxQueue queue = MailboxQueue.create();
      List<Object> consumed = new ArrayList<>();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch reached = new CountDownLatch(1);
      Random random = new Random(closeAfter * 1000L + rep);
      Thread consumer = new Thread(() -> {
        while (!stop.get()) {
          MailboxQueue.Cursor at = queue.cursor();
          int batch = 1 + random.nextInt(40);
          for (int n = 0; n < batch; n++) {
            Delivery d = queue.poll(at, null);
            if (d == null) {
              break;
            }
            consumed.add(d.payload);
            if (consumed.size() == closeAfter) {
              reached.countDown();
            }
          }
          queue.store(at);
        }
      }, "t-boundary-consumer");
      consumer.start();
      List<List<Delivery>> taken = List.of(new ArrayList<>(), new ArrayList<>());
      List<Thread> closers = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        List<Delivery> into = taken.get(c);
        Thread closer = new Thread(() -> {
          TestThreads.awaitQuietly(reached);
          queue.takeAllFrom(into);
        }, "t-boundary-closer-" + c);
        closers.add(closer);
        closer.start();
      }
      TestThreads.publishFromThreads(producers, perProducer,
          (id, s) -> queue.offer(((long) id << 32) | s, ROUTE, null));
      reached.countDown();
      for (Thread closer : closers) {
        closer.join();
      }
      stop.set(true);
      consumer.join();
      List<Delivery> rest = new ArrayList<>();
      queue.takeAllFrom(rest);

      AtomicIntegerArray seen = new AtomicIntegerArray(producers * perProducer);
      List<Object> all = new ArrayList<>(consumed);
      for (List<Delivery> list : taken) {
        list.forEach(d -> all.add(d.payload));
      }
      rest.forEach(d -> all.add(d.payload));
      for (Object o : all) {
        long v = (Long) o;
        seen.incrementAndGet((int) (v >>> 32) * perProducer + (int) v);
      }
      for (int i = 0; i < seen.length(); i++) {
        assertThat(seen.get(i)).as("rep %s: item %s", rep, i).isEqualTo(1);
      }
    }
  }

  /**
   * Q4a: publishers that run the mailbox themselves (caller-runs) at random, a closer that takes
   * all at random rounds, a worker that goes idle; rounds end at chunk boundaries. Each id is
   * delivered or taken exactly once, and nothing is left behind after a round.
   */
  @ParameterizedTest
  @ValueSource(longs = {201, 202})
  void callerRunsAndTakeAll_racingAtChunkBoundaries_eachOnceNoneStranded(long seed)
      throws Exception {
    int rounds = 1500;
    int max = rounds * CHUNK;
    AtomicIntegerArray seen = new AtomicIntegerArray(max);
    AtomicLong accounted = new AtomicLong();
    List<String> errors = new CopyOnWriteArrayList<>();
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "t-boundary-w"));
    Mailbox mailbox = MailboxTest.standalone(countingOnce(seen, accounted, errors), worker);
    Random random = new Random(seed);
    AtomicBoolean closeThisRound = new AtomicBoolean();
    CyclicBarrier closeStart = new CyclicBarrier(2);
    AtomicBoolean closerStop = new AtomicBoolean();
    Thread closer = new Thread(() -> {
      try {
        while (true) {
          closeStart.await();
          if (closerStop.get()) {
            return;
          }
          for (Delivery d : mailbox.takeAll()) {
            int id = (int) (long) (Long) d.payload;
            if (seen.incrementAndGet(id) != 1) {
              errors.add("taken twice: " + id);
            }
            accounted.incrementAndGet();
          }
        }
      } catch (InterruptedException | BrokenBarrierException e) {
        Thread.currentThread().interrupt();
      }
    }, "t-boundary-closer");
    closer.start();
    long sent = 0;
    try (Publishers publishers = new Publishers(3, seed, (id, r) -> {
      mailbox.enqueue(id, ROUTE, null);
      if (r.nextInt(8) == 0) {
        mailbox.tryRunHere();
      }
    })) {
      for (int i = 0; i < rounds; i++) {
        int size = roundSize(random, sent);
        boolean close = random.nextInt(4) == 0;
        if (close) {
          closeStart.await(10, TimeUnit.SECONDS); // takes all while the round publishes
        }
        publishers.round(size);
        sent += size;
        long expected = sent;
        assertThat(TestThreads.await(() -> accounted.get() == expected, Duration.ofSeconds(10)))
            .as("round %s (size %s, total %s mod %s = %s): accounted %s", i, size, expected,
                CHUNK, expected % CHUNK, accounted)
            .isTrue();
        TestThreads.spin(random.nextInt(100_000));
      }
      assertThat(publishers.errors).isEmpty();
    } finally {
      closerStop.set(true);
      closeStart.await(10, TimeUnit.SECONDS);
      closer.join(10_000);
      worker.shutdownNow();
    }
    assertThat(errors).isEmpty();
    assertThat(accounted.get()).isEqualTo(sent);
  }

  /**
   * Q4b: a deliverer that throws (as an Error from a handler the bus failed to contain would) on
   * the item at a chunk's last slot or first slot. The thrown item is gone (consumed once); every
   * other item is still delivered, none twice: the finally block stores the place and re-checks.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 126, 127})
  void delivererThrowsAtChunkBoundary_restStillDeliveredOnce(int throwAtIndex) throws Exception {
    int total = 20 * CHUNK;
    AtomicIntegerArray seen = new AtomicIntegerArray(total);
    AtomicLong delivered = new AtomicLong();
    AtomicInteger thrown = new AtomicInteger();
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "t-boundary-w");
      t.setUncaughtExceptionHandler((th, e) -> { }); // the thrown errors are the point
      return t;
    });
    Mailbox mailbox = MailboxTest.standalone((s, d, run) -> {
      int id = (int) (long) (Long) d.payload;
      seen.incrementAndGet(id);
      delivered.incrementAndGet();
      run.finished();
      if (id % CHUNK == throwAtIndex) {
        thrown.incrementAndGet();
        throw new IllegalStateException("refused at " + id);
      }
    }, worker);
    try {
      TestThreads.publishFromThreads(1, total, (p, s) -> mailbox.enqueue((long) s, ROUTE, null));
      assertThat(TestThreads.await(() -> delivered.get() == total, Duration.ofSeconds(10)))
          .as("delivered %s of %s", delivered, total).isTrue();
      for (int i = 0; i < total; i++) {
        assertThat(seen.get(i)).as("item %s", i).isEqualTo(1);
      }
      assertThat(thrown).hasValue(total / CHUNK);
    } finally {
      worker.shutdownNow();
    }
  }

  /**
   * Q4c: an executor that refuses (always, or every other call), handled as the bus does
   * ({@code unschedule} then {@code takeAll} on the refusing thread, which may recurse through
   * {@code release}), with 4 producers crossing chunk boundaries: each item run or taken exactly
   * once, and nothing left in the queue afterwards.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void refusedExecutor_takeAllOnPublisherThread_eachItemOnceNothingLeft(int refuseEvery)
      throws Exception {
    int producers = 4;
    int perProducer = 20_000;
    int total = producers * perProducer;
    AtomicIntegerArray seen = new AtomicIntegerArray(total);
    AtomicLong accounted = new AtomicLong();
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "t-boundary-w"));
    AtomicInteger calls = new AtomicInteger();
    Mailbox[] box = new Mailbox[1];
    java.util.function.Consumer<Object> account = payload -> {
      long v = (Long) payload;
      seen.incrementAndGet((int) (v >>> 32) * perProducer + (int) v);
      accounted.incrementAndGet();
    };
    box[0] = MailboxTest.standalone((s, d, run) -> {
      account.accept(d.payload);
      run.finished();
    }, task -> {
      if (calls.incrementAndGet() % refuseEvery == 0) { // refused: as QueuedDispatch.refused
        Mailbox m = (Mailbox) task;
        m.unschedule();
        for (Delivery d : m.takeAll()) {
          account.accept(d.payload);
        }
      } else {
        worker.execute(task);
      }
    });
    try {
      TestThreads.publishFromThreads(producers, perProducer,
          (id, s) -> box[0].enqueue(((long) id << 32) | s, ROUTE, null));
      assertThat(TestThreads.await(() -> accounted.get() == total, Duration.ofSeconds(10)))
          .as("accounted %s of %s", accounted, total).isTrue();
      assertThat(box[0].takeAll()).isEmpty();
      for (int i = 0; i < total; i++) {
        assertThat(seen.get(i)).as("item %s", i).isEqualTo(1);
      }
    } finally {
      worker.shutdownNow();
    }
  }
}
