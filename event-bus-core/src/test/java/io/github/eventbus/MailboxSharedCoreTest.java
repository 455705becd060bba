package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A waiting worker checks whether it shares its core only after a stream, once per wait; told that
 * it does, it yields instead of spinning for the rest of the wait, and still delivers every event
 * once and in order ({@link Mailbox}'s {@code awaitMore}). The yields are a test's here, counted,
 * with the check's answer set by the test; the real check times a yield.
 */
class MailboxSharedCoreTest {

  private static final Route ROUTE =
      new Route(Long.class, "Long", new Subscriber[0], new TypeStats());

  /** Counts the worker's checks and its other yields; every check answers {@code shared}. */
  private static final class CountingYielder implements Mailbox.Yielder {
    final AtomicInteger checks = new AtomicInteger();
    final AtomicInteger yields = new AtomicInteger();
    final boolean shared;

    CountingYielder(boolean shared) {
      this.shared = shared;
    }

    @Override
    public void yieldCore() {
      yields.incrementAndGet();
      Thread.yield();
    }

    @Override
    public boolean yieldFindsOthers() {
      checks.incrementAndGet();
      Thread.yield();
      return shared;
    }
  }

  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "t-shared-core"));
  private final AtomicLong delivered = new AtomicLong();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  /** Counted down once the handler holds payload 0: the rest is queued behind it. */
  private final CountDownLatch holding = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stopWorker() {
    release.countDown();
    worker.shutdownNow();
  }

  /** Payloads 0, 1, 2 ... in order; the handler holds payload 0 until {@link #release}. */
  private Mailbox mailbox(Mailbox.Yielder yielder) {
    long[] expect = {0};
    return MailboxTest.standalone((s, d, run) -> {
      long value = (Long) d.payload;
      if (value == 0) {
        holding.countDown();
        TestThreads.awaitIgnoringInterrupts(release);
      }
      if (value != expect[0]) {
        errors.add("expected " + expect[0] + " got " + value);
      }
      expect[0] = value + 1;
      delivered.incrementAndGet();
      run.finished();
    }, worker, yielder);
  }

  /** Queues payloads 0 to {@code count - 1} while the handler holds the first, then lets go. */
  private void queueBehindHeld(Mailbox mailbox, int count) {
    mailbox.enqueue(0L, ROUTE, null);
    TestThreads.awaitIgnoringInterrupts(holding);
    for (long i = 1; i < count; i++) {
      mailbox.enqueue(i, ROUTE, null);
    }
    release.countDown();
  }

  private void awaitSettled(Mailbox mailbox, long want) {
    assertThat(TestThreads.await(() -> delivered.get() == want && mailbox.isSettled(),
        Duration.ofSeconds(5))).as("%s of %s delivered, then idle", delivered.get(), want)
        .isTrue();
    assertThat(errors).isEmpty();
  }

  private static void assumeSpinning() {
    assumeTrue(Runtime.getRuntime().availableProcessors() > 1,
        "with one processor a worker never spins, so it has nothing to check");
  }

  @ParameterizedTest(name = "{0} taken")
  @CsvSource({"1, 0", "63, 0", "64, 1", "65, 1"})
  void waitAfterTaking_checksCoreOnlyAfterAStream(int taken, int checks) {
    assumeSpinning();
    assertThat(Mailbox.STREAM).isEqualTo(64);
    CountingYielder yielder = new CountingYielder(false);
    Mailbox mailbox = mailbox(yielder);

    queueBehindHeld(mailbox, taken);

    awaitSettled(mailbox, taken);
    assertThat(yielder.checks).as("checks in the wait after %s deliveries", taken)
        .hasValue(checks);
  }

  /** After the check nothing is written: the wait then spins, or yields if its core is shared. */
  @ParameterizedTest(name = "shared {0}")
  @ValueSource(booleans = {false, true})
  void waitAfterStream_nothingWritten_yieldsOnlyIfCoreShared(boolean shared) {
    assumeSpinning();
    CountingYielder yielder = new CountingYielder(shared);
    Mailbox mailbox = mailbox(yielder);

    queueBehindHeld(mailbox, Mailbox.STREAM);

    awaitSettled(mailbox, Mailbox.STREAM);
    assertThat(yielder.checks).hasValue(1);
    if (shared) {
      assertThat(yielder.yields).as("yields after the check").hasPositiveValue();
    } else {
      assertThat(yielder.yields).as("yields after the check").hasValue(0);
    }
  }

  @Test
  void yieldFindsOthers_yieldThatLosesTheCoreForAMillisecond_true() {
    Mailbox.Yielder losesCore = () -> {
      long until = System.nanoTime() + 1_000_000;
      while (System.nanoTime() - until < 0) {
        Thread.onSpinWait();
      }
    };

    assertThat(losesCore.yieldFindsOthers()).isTrue();
  }

  @Test
  void streamEndingJustAfterARun_countsTheRunBefore() {
    assumeSpinning();
    CountingYielder yielder = new CountingYielder(false);
    Mailbox mailbox = mailbox(yielder);

    // One run takes a batch and reschedules; the next takes 10 and waits: the check still comes.
    queueBehindHeld(mailbox, Mailbox.BATCH + 10);

    awaitSettled(mailbox, Mailbox.BATCH + 10);
    assertThat(yielder.checks).hasValue(1);
  }

  @Test
  void oneEventAtATime_neverChecksCore() {
    CountingYielder yielder = new CountingYielder(false);
    Mailbox mailbox = mailbox(yielder);
    release.countDown();

    for (long i = 0; i < 300; i++) {
      mailbox.enqueue(i, ROUTE, null);
      long want = i + 1;
      assertThat(TestThreads.await(() -> delivered.get() == want, Duration.ofSeconds(5)))
          .as("event %s delivered", i).isTrue();
    }

    awaitSettled(mailbox, 300);
    assertThat(yielder.checks).hasValue(0);
  }

  /**
   * Streams with pauses of every length around the check (5 microseconds in), the yields and
   * the idle deadline (50 microseconds later), to a worker told its core is shared.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {20261201L, 7L, 424242L})
  void sharedCore_streamsAndPauses_eachDeliveredOnceInOrder(long seed) {
    CountingYielder yielder = new CountingYielder(true);
    Mailbox mailbox = mailbox(yielder);
    release.countDown();
    Random random = new Random(seed);
    long next = 0;

    for (int burst = 0; burst < 400; burst++) {
      int length = 1 + random.nextInt(random.nextBoolean() ? 3 * Mailbox.STREAM : 8);
      for (int i = 0; i < length; i++) {
        mailbox.enqueue(next++, ROUTE, null);
      }
      if (random.nextInt(4) == 0) {
        long want = next;
        assertThat(TestThreads.await(() -> delivered.get() == want, Duration.ofSeconds(5)))
            .as("burst %s", burst).isTrue();
      }
      TestThreads.spin(random.nextInt(120_000));
    }

    awaitSettled(mailbox, next);
    if (Runtime.getRuntime().availableProcessors() > 1) {
      assertThat(yielder.checks).as("worker told its core is shared").hasPositiveValue();
    }
  }
}
