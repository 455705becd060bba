package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The keep-behind consumer under attack: bursts of every length 1..300, and around how far the
 * worker keeps behind, must be delivered in full without a further publish; per-publisher order;
 * exact metrics at quiescence; the carried credit never negative.
 */
class MailboxKeepBehindBurstTest {

  record Msg(int publisher, int seq) {}

  /** Burst lengths 1..300, and around and past how far the worker keeps behind. */
  private static int[] lengths() {
    int k = Mailbox.KEEP_BEHIND;
    int[] lengths = new int[305];
    for (int i = 0; i < 300; i++) {
      lengths[i] = i + 1;
    }
    int[] around = {k - 1, k, k + 1, k + MailboxQueue.CHUNK, 2 * k + 7};
    System.arraycopy(around, 0, lengths, 300, around.length);
    return lengths;
  }

  /** Every burst length of {@link #lengths} from one publisher, ten times each, gap varied. */
  @Test
  void singlePublisher_everyBurstLength_deliveredWithoutFurtherPublish() {
    int[] next = new int[1];
    List<String> errors = new CopyOnWriteArrayList<>();
    AtomicLong seen = new AtomicLong();
    int[] expectNext = new int[1];
    try (EventBus bus = EventBus.builder().name("t-keep-burst").workers(1).build()) {
      bus.subscribe(Msg.class, m -> {
        if (m.seq() != expectNext[0]) {
          errors.add("expected " + expectNext[0] + " got " + m.seq());
        }
        expectNext[0] = m.seq() + 1;
        seen.incrementAndGet();
      });
      Random random = new Random(42);
      for (int rep = 0; rep < 10; rep++) {
        for (int length : lengths()) {
          for (int i = 0; i < length; i++) {
            bus.publish(new Msg(0, next[0]++));
          }
          long want = next[0];
          int len = length;
          int r = rep;
          assertThat(TestThreads.await(() -> seen.get() == want, Duration.ofSeconds(10)))
              .as("rep %s burst %s: %s of %s delivered", r, len, seen.get(), want).isTrue();
          // gap: none, inside the spin, inside the yield, or idle
          int gap = random.nextInt(4);
          TestThreads.spin(gap == 0 ? 0 : gap == 1 ? 2_000 : gap == 2 ? 60_000 : 200_000);
        }
      }
      assertThat(errors).isEmpty();
      EventBusMetrics m = bus.metrics();
      assertThat(TestThreads.await(() -> bus.metrics().queueDepth() == 0, Duration.ofSeconds(10)))
          .as("queueDepth %s", bus.metrics().queueDepth()).isTrue();
      assertThat(TestThreads.await(
          () -> bus.metrics().totals().delivered() == next[0], Duration.ofSeconds(10)))
          .as("metrics delivered %s of %s", bus.metrics().totals().delivered(), next[0]).isTrue();
      assertThat(m.totals().published()).isEqualTo(next[0]);
    }
  }

  /**
   * Four persistent publishers publish a round of total length L (each of lengths(), six times)
   * together; each round delivered in full within 10 s, per-publisher order, exact counts.
   */
  @Test
  void fourPublishers_roundsOfEveryLength_perPublisherOrder() throws Exception {
    int publishers = 4;
    List<String> errors = new CopyOnWriteArrayList<>();
    int[] lastSeq = new int[publishers];
    java.util.Arrays.fill(lastSeq, -1);
    AtomicLong seen = new AtomicLong();
    try (EventBus bus = EventBus.builder().name("t-keep-4pub").workers(2).build()) {
      bus.subscribe(Msg.class, m -> {
        if (m.seq() != lastSeq[m.publisher()] + 1) {
          errors.add("publisher " + m.publisher() + ": after " + lastSeq[m.publisher()] + " got "
              + m.seq());
        }
        lastSeq[m.publisher()] = m.seq();
        seen.incrementAndGet();
      });
      CyclicBarrier start = new CyclicBarrier(publishers + 1);
      CyclicBarrier end = new CyclicBarrier(publishers + 1);
      int[] share = new int[publishers];
      int[] seq = new int[publishers];
      volatile_stop[0] = false;
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < publishers; p++) {
        int me = p;
        Thread t = new Thread(() -> {
          while (true) {
            TestThreads.awaitBarrier(start);
            if (volatile_stop[0]) {
              return;
            }
            for (int i = 0; i < share[me]; i++) {
              bus.publish(new Msg(me, seq[me]++));
            }
            TestThreads.awaitBarrier(end);
          }
        }, "t-keep-pub-" + p);
        t.start();
        threads.add(t);
      }
      long total = 0;
      Random random = new Random(7);
      for (int rep = 0; rep < 6; rep++) {
        for (int length : lengths()) {
          int rest = length;
          for (int p = 0; p < publishers; p++) {
            share[p] = p == publishers - 1 ? rest : random.nextInt(rest + 1);
            rest -= share[p];
          }
          TestThreads.awaitBarrier(start);
          TestThreads.awaitBarrier(end);
          total += length;
          long want = total;
          int len = length;
          assertThat(TestThreads.await(() -> seen.get() == want, Duration.ofSeconds(10)))
              .as("round %s: %s of %s delivered", len, seen.get(), want).isTrue();
          TestThreads.spin(random.nextInt(150_000));
        }
      }
      volatile_stop[0] = true;
      TestThreads.awaitBarrier(start);
      for (Thread t : threads) {
        t.join(10_000);
      }
      assertThat(errors).isEmpty();
      long want = total;
      assertThat(TestThreads.await(() -> bus.metrics().queueDepth() == 0
          && bus.metrics().totals().delivered() == want, Duration.ofSeconds(10)))
          .as("metrics %s", bus.metrics().totals()).isTrue();
      assertThat(bus.metrics().totals().published()).isEqualTo(total);
    }
  }

  private static final boolean[] volatile_stop = new boolean[1];

  /**
   * A standalone mailbox, 8 producers on 2 cores (some preempted between reserving and writing),
   * rounds of random length 1..300 separated by gaps; each id exactly once, nothing stranded, and
   * the credit stored at the end of each run never negative (checked by reflection when settled).
   */
  @Test
  void standalone_eightProducers_randomRounds_creditNeverNegative() throws Exception {
    int rounds = 15000;
    int max = rounds * 300;
    AtomicIntegerArray seenIds = new AtomicIntegerArray(max);
    AtomicLong delivered = new AtomicLong();
    List<String> errors = new CopyOnWriteArrayList<>();
    Route route = new Route(Long.class, "Long", new Subscriber[0], new TypeStats());
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "t-keep-w"));
    Mailbox mailbox = MailboxTest.standalone((s, d, run) -> {
      int id = (int) (long) (Long) d.payload;
      if (seenIds.incrementAndGet(id) != 1) {
        errors.add("twice: " + id);
      }
      delivered.incrementAndGet();
      run.finished();
    }, worker);
    MailboxQueue queue = MailboxTest.queueOf(mailbox);
    Field creditField = MailboxQueue.class.getDeclaredField("headCredit");
    creditField.setAccessible(true);
    int producers = 8;
    AtomicLong nextId = new AtomicLong();
    long[] roundEnd = new long[1];
    CyclicBarrier start = new CyclicBarrier(producers + 1);
    CyclicBarrier end = new CyclicBarrier(producers + 1);
    boolean[] stop = new boolean[1];
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      Thread t = new Thread(() -> {
        while (true) {
          TestThreads.awaitBarrier(start);
          if (stop[0]) {
            return;
          }
          long id;
          while ((id = nextId.getAndIncrement()) < roundEnd[0]) {
            if ((id & 7) == 3) {
              mailbox.enqueue(new Delivery(id, null, route, 1, 0, null, 0, null));
            } else {
              mailbox.enqueue(id, route, null);
            }
          }
          nextId.getAndDecrement();
          TestThreads.awaitBarrier(end);
        }
      }, "t-keep-prod-" + p);
      t.start();
      threads.add(t);
    }
    Random random = new Random(99);
    long sent = 0;
    try {
      for (int i = 0; i < rounds; i++) {
        int size = 1 + random.nextInt(300);
        roundEnd[0] = sent + size;
        TestThreads.awaitBarrier(start);
        TestThreads.awaitBarrier(end);
        sent += size;
        long want = sent;
        int round = i;
        assertThat(TestThreads.await(() -> delivered.get() == want, Duration.ofSeconds(10)))
            .as("round %s size %s: %s of %s", round, size, delivered.get(), want).isTrue();
        assertThat(TestThreads.await(mailbox::isSettled, Duration.ofSeconds(10)))
            .as("settled after round %s", round).isTrue();
        int credit = (int) creditField.get(queue);
        assertThat(credit).as("stored credit after round %s", round).isNotNegative();
        TestThreads.spin(random.nextInt(150_000));
      }
    } finally {
      stop[0] = true;
      try {
        start.await(2, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        start.reset();
      }
      for (Thread t : threads) {
        t.join(10_000);
      }
      worker.shutdownNow();
    }
    assertThat(errors).isEmpty();
    assertThat(delivered.get()).isEqualTo(sent);
  }
}
