package io.github.eventbus;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A subscriber's own queue. At most one thread runs it at a time (the RUNNING state), so its
 * deliveries happen one by one in queue order; that is what keeps each publisher's events in
 * order for the subscriber, whatever the number of workers. A run handles a bounded batch and then
 * reschedules itself, so one busy subscriber cannot starve the others.
 *
 * <p>SCHEDULED means a task for this mailbox sits in the executor's queue. A publisher applying
 * {@link BackpressurePolicy#CALLER_RUNS} may take a SCHEDULED mailbox over and run it itself; the
 * executor's task then finds the state changed and does nothing.
 *
 * <p>The queue is a {@link MailboxQueue}: producers reserve a slot with one atomic add; only the
 * thread holding the RUNNING state takes from it.
 *
 * <p>Every publish reads a mailbox's fields, and its queue's, so both sit between padding
 * ({@link PaddedBefore}, then a subclass's fields); {@link #create} makes one. Otherwise the
 * objects a handler changes on every event, reachable from the same subscription, could share
 * their cache line: the garbage collector copies them next to each other. In a harness of the
 * 1-to-1 async benchmark, whose handler counts its events in an object of its own, 4 JVMs of 16
 * ran at half speed throughout, each with the counter and the mailbox on one line; padded, none
 * of 16 did.
 */
abstract class Mailbox extends PaddedBefore implements Runnable {

  /** What a mailbox needs from its bus: one call per queued delivery. */
  interface Deliverer {
    /**
     * Delivers one queued delivery, counting it in {@code run}; the caller has entered the run's
     * slot with the subscriber as its target.
     */
    void deliver(Subscriber subscriber, Delivery delivery, Run run);

    /**
     * Reports the deliveries of {@code mailbox}, which its executor refused to start: the
     * mailbox has been given back, and this takes what it holds. By default, rethrows.
     */
    default void refused(Mailbox mailbox, RejectedExecutionException refusal) {
      throw refusal;
    }
  }

  /** How a waiting worker gives its core up for a moment: {@link #THREAD_YIELD}, or a test's. */
  interface Yielder {
    /** Lets another thread that waits for this core run first. */
    void yieldCore();

    /**
     * Yields as {@link #yieldCore} does, and tells whether the thread lost its core for a while
     * meanwhile (longer than {@link #SHARED_NANOS}): most often another thread ran.
     */
    default boolean yieldFindsOthers() {
      long start = System.nanoTime();
      yieldCore();
      return System.nanoTime() - start > SHARED_NANOS;
    }
  }

  /** {@link Thread#yield}. */
  static final Yielder THREAD_YIELD = Thread::yield;

  private static final VarHandle STATE =
      VarHandles.field(MethodHandles.lookup(), Mailbox.class, "state", int.class);

  private static final int IDLE = 0;
  private static final int SCHEDULED = 1;
  private static final int RUNNING = 2;
  /** Deliveries in one run, after which the mailbox reschedules itself. */
  static final int BATCH = 256;
  private static final int SPINS = 1024;
  /** After a stream, the spin at which a waiting worker checks whether it shares its core. */
  private static final int PROBE = 256;
  /** How many deliveries since the consumer last waited make a stream. */
  static final int STREAM = 64;
  /** A yield that took longer than this lost the core for a while, most often to another thread. */
  private static final long SHARED_NANOS = 20_000;
  private static final int SPINS_PER_LOOK = 64;
  /** The spin of the first look, earlier than the others: see {@link #awaitMore}. */
  private static final int EARLY_LOOK = 32;
  private static final long IDLE_AFTER_NANOS = 50_000;
  /** How far behind the producers a consumer stays while they keep publishing: about 14 KB. */
  static final int KEEP_BEHIND = 1000;
  private static final long GATHER_NANOS = 50_000;
  /** Once something is written, how many yields between two looks. */
  private static final int YIELDS_PER_LOOK = 8;
  /** How many looks must find nothing before an event seen is taken at once. */
  private static final int QUIET_LOOKS = 2;

  private final Subscriber subscriber;
  private final Deliverer deliverer;
  private final Executor executor;
  private final InFlight inFlight;
  private final Capacity capacity;
  private final MailboxQueue queue = MailboxQueue.create();
  /** Whether the JVM had one processor when this mailbox was made; see {@link #awaitMore}. */
  private final boolean oneProcessor = Runtime.getRuntime().availableProcessors() == 1;
  /** {@link #THREAD_YIELD}, or a test's. */
  private final Yielder yielder;
  private volatile int state = IDLE;
  // Runs so far and the thread of the last, written by the thread holding RUNNING. Read only to
  // tell whether a task the executor threw out of (not a refusal) ran on the calling thread (an
  // inline executor), not on another (a stale task taking the mailbox meanwhile).
  private int runs;
  private Thread lastRunner;

  private Mailbox(Subscriber subscriber, Deliverer deliverer, Executor executor,
      InFlight inFlight, Capacity capacity, Yielder yielder) {
    this.subscriber = subscriber;
    this.deliverer = deliverer;
    this.executor = executor;
    this.inFlight = inFlight;
    this.capacity = capacity;
    this.yielder = yielder;
  }

  /** A mailbox for {@code subscriber}, run on {@code executor}. */
  static Mailbox create(Subscriber subscriber, Deliverer deliverer, Executor executor,
      InFlight inFlight, Capacity capacity) {
    return create(subscriber, deliverer, executor, inFlight, capacity, THREAD_YIELD);
  }

  /** As {@link #create}, with how a waiting worker yields its core. */
  static Mailbox create(Subscriber subscriber, Deliverer deliverer, Executor executor,
      InFlight inFlight, Capacity capacity, Yielder yielder) {
    return new Padded(subscriber, deliverer, executor, inFlight, capacity, yielder);
  }

  /** Padding after a mailbox's fields. */
  @SuppressWarnings("unused")
  static final class Padded extends Mailbox {
    int g1;
    long q0, q1, q2, q3, q4, q5, q6, q7;

    Padded(Subscriber subscriber, Deliverer deliverer, Executor executor, InFlight inFlight,
        Capacity capacity, Yielder yielder) {
      super(subscriber, deliverer, executor, inFlight, capacity, yielder);
    }
  }

  private boolean casState(int expected, int next) {
    return STATE.compareAndSet(this, expected, next);
  }

  /**
   * Queues a first attempt that carries only its payload, route and envelope (maybe null), or a
   * {@link Delivery} (with a null route and envelope).
   */
  void enqueue(Object item, Route route, Event<?> event) {
    MailboxQueue.Chunk appendAfter = queue.offer(item, route, event);
    scheduleIfIdle(false);
    if (appendAfter != null) {
      queue.appendAfter(appendAfter);
    }
  }

  /** Queues a delivery that carries more: a retry, a tracked publish, a captured context. */
  void enqueue(Delivery delivery) {
    enqueue(delivery, null, null);
  }

  /**
   * Hands the mailbox to the executor unless someone holds it. If the executor refuses, a caller
   * that {@code mayGoOn} (the thread that just ran it) gets true and takes it back, still
   * scheduled; any other caller gives it back and has the deliverer report what it holds.
   */
  private boolean scheduleIfIdle(boolean mayGoOn) {
    if (state == IDLE && casState(IDLE, SCHEDULED)) {
      int before = runs;
      try {
        executor.execute(this);
      } catch (RuntimeException | Error failure) {
        if (!(failure instanceof RejectedExecutionException) && runs != before
            && lastRunner == Thread.currentThread()) {
          // It ran (an inline executor): a handler's Error, handed on. A refusal is a refusal even
          // if a stale task ran the mailbox meanwhile on another thread.
          throw failure;
        }
        // Not run: whatever the executor threw, it did not take the task (a pool that cannot make
        // a thread throws an Error). Left SCHEDULED, the mailbox would wait for a run never coming.
        if (mayGoOn) {
          return true;
        }
        unschedule();
        deliverer.refused(this, ExecutorRefusal.of(failure));
      }
    }
    return false;
  }

  /** Runs queued deliveries on the calling thread unless a thread is running them already. */
  boolean tryRunHere() {
    if (!claim()) {
      return false;
    }
    drain();
    return true;
  }

  private boolean claim() {
    return casState(SCHEDULED, RUNNING) || casState(IDLE, RUNNING);
  }

  @Override
  public void run() {
    if (casState(SCHEDULED, RUNNING)) {
      runs++;
      lastRunner = Thread.currentThread();
      drain();
    }
  }

  /**
   * Runs batches until one ends with nothing left, or with the mailbox handed to the executor
   * again. If the executor refuses to take it back (a user's pool that is full, or shut down), this
   * thread, which holds it already, goes on rather than give up what it holds.
   */
  private void drain() {
    while (drainBatch() && casState(SCHEDULED, RUNNING)) {
      // refused: the next batch runs here
    }
  }

  /**
   * Waits for more to take once the consumer has caught up with the producers: {@link #SPINS}
   * spins (256 take about 5 microseconds here), then 50 microseconds more spinning while nothing
   * is written, or yielding once something is, then gives up; with one processor, or once a timed
   * yield shows it lost its core (below), it yields instead of spinning. Returns whether a slot is
   * reserved, having set the cursor's credit to how many slots to take before looking again.
   *
   * <p>While producers keep publishing, it waits until they are {@link #KEEP_BEHIND} slots ahead,
   * or for at most {@link #GATHER_NANOS} once something is written, and takes it all then. A
   * consumer that takes each event as soon as it is written reads the cache lines a producer is
   * still writing, and the two cores pass them back and forth: in the 1-to-1 benchmark (a million
   * events, 2-core VM) batches took 57 to 196 ms, with medians of 157 to 186 over four runs. Kept
   * 100 slots behind, the medians were 96 to 125 ms; kept 1,000 behind (about 14 KB of queue), 84
   * to 89. The wait costs a steady stream up to 50 microseconds of latency.
   *
   * <p>Each look reads a line a producer is writing (see {@link MailboxQueue#writtenAhead}), and
   * costs it a cache miss: so once something is written it looks less and less often (the spins
   * between looks double from 64, then it looks every {@link #YIELDS_PER_LOOK} yields). In a
   * harness of the 1-to-1 benchmark, a look after every 64 spins and every yield (12,000 to 14,000
   * looks per million events) gave medians of 45 to 51 ms per million; the fewer looks, 38 to 41.
   * While nothing is written it looks every 64 spins, then at every turn, at the next slot only.
   * What is seen after {@link #QUIET_LOOKS} looks found nothing is taken at once, all of it: the
   * producers are not publishing in a tight loop, so there is nothing to keep behind. Once the
   * producers pause (a look counts no more than the one before), it takes all they wrote
   * ({@link MailboxQueue#writtenRun}: the look's count can stop a few slots short).
   *
   * <p>With more than one processor the first look comes earlier, after {@link #EARLY_LOOK} spins
   * (about 0.6 microseconds here), and takes at once a single event it finds (one written, the next
   * slot not): a publisher that waits for each event's effect before publishing the next (request
   * and reply) has it written a moment after the worker caught up. In {@code AsyncLatencyBenchmark}
   * with no gap this took the median from publish to handler from 2.6 to 0.6-2.3 microseconds (four
   * JVMs: where the write lands against the look varies). Taking a single event at any first look
   * instead did better for latency but cost a publisher pacing itself to one event every 2
   * microseconds 2 to 8% of its time (the worker then took each event as it was written); the early
   * look alone catches few of such a stream's events, and in the same runs cost it nothing
   * measurable.
   *
   * <p>A worker can share its core with the publisher it waits for: the scheduler may wake it on
   * the publisher's core while the other is busy, and keep both there, or the machine has more busy
   * threads than cores. Then nothing is written while it spins, and each spin is time taken from
   * the publisher. So after a stream (at least {@link #STREAM} deliveries since the mailbox's
   * consumer last waited), if its looks have found nothing written after {@link #PROBE} spins
   * (about 5 microseconds here), it yields once and times it: a yield that lets another thread run
   * takes far longer than {@link #SHARED_NANOS} (alone, 1.3 microseconds here), and then the wait
   * yields instead of spinning, as with one processor. With the 1-to-1 benchmark's JVM held on one
   * core ({@code taskset -c 0} and {@code -XX:ActiveProcessorCount=2}), twelve medians of six runs
   * were 62 to 73 ms per million spinning; with this, 12 of 16 medians of eight runs were 51 to 60,
   * and two runs 68 to 84 (a slower state not explained). On two cores, twelve interleaved pairs of
   * runs of a first version (which checked also with something written) and two of this one showed
   * no difference beyond noise. Only after a stream: a yield before parking made late wake-ups more
   * frequent (events 1 ms apart, a yield in every wait: 99th percentile 1.2 to 2.1 ms in three
   * runs, against 0.16 to 0.98 in seven without, and 0.17 to 0.56 in five with the yield after
   * streams only).
   */
  private boolean awaitMore(MailboxQueue.Cursor at) {
    int written = 0;
    int emptyLooks = 0;
    long firstSeen = 0;
    long deadline = 0;
    int interval = SPINS_PER_LOOK;
    int nextLook = EARLY_LOOK;
    int yields = 0;
    // With one processor nothing is written while the worker spins: it only yields.
    int spins = oneProcessor ? 0 : SPINS;
    boolean yielding = oneProcessor;
    int probe = at.taken >= STREAM ? PROBE : 0;
    at.taken = 0;
    for (int spin = 1; ; spin++) {
      if (spin <= spins) {
        Thread.onSpinWait();
        if (spin == probe && written == 0 && yielder.yieldFindsOthers()) {
          yielding = true; // as with one processor, from now on
          spins = spin;
        }
        if (spin < nextLook) {
          continue;
        }
        if (written > 0) {
          interval *= 2;
        }
        nextLook = spin == EARLY_LOOK ? interval : spin + interval;
      } else {
        // Then wait a bounded time more: a publisher on another core usually has the next event a
        // moment away, and going idle costs it a worker wake-up (a futex call) per event. The bound
        // keeps an idle bus from holding a core. It yields only while gathering what a publisher is
        // writing (or once its core is found shared, see above), so that another thread can have
        // the core meanwhile: a worker that yielded and then parked was sometimes woken
        // milliseconds late (events 1 ms apart: 99th percentile from publish to handler 3.0 ms or
        // more in five runs; spinning, 0.3 to 2.8 ms in eight).
        long now = System.nanoTime();
        if (spin == spins + 1) {
          deadline = now + IDLE_AFTER_NANOS;
        } else if (now - deadline >= 0) {
          break;
        }
        if (written == 0 && !yielding) {
          Thread.onSpinWait();
        } else {
          yielder.yieldCore();
          if (written > 0 && ++yields % YIELDS_PER_LOOK != 0) {
            continue;
          }
        }
      }
      int now = queue.writtenAhead(at, KEEP_BEHIND);
      boolean early = spins > 0 && spin == EARLY_LOOK;
      if (now == 0) {
        if (!early) {
          emptyLooks++;
        }
        continue;
      }
      if (now == KEEP_BEHIND || written == 0 && early && now == 1) {
        at.credit = now;
        return true;
      }
      // After a quiet spell (not a tight loop), or once the producers have paused (a look counts
      // no more than the one before), take all they wrote: reading up to their last slot costs
      // them nothing now.
      if (written == 0 ? emptyLooks >= QUIET_LOOKS : now == written) {
        at.credit = queue.writtenRun(at, KEEP_BEHIND);
        return true;
      }
      long time = System.nanoTime();
      if (written == 0) {
        firstSeen = time;
      } else if (time - firstSeen >= GATHER_NANOS) {
        at.credit = now;
        return true;
      }
      written = now;
    }
    // What was seen written, else a slot reserved a moment ago, if any: poll waits for its write.
    at.credit = Math.max(written, 1);
    return queue.pending(at);
  }

  /**
   * Runs a batch. Payloads queued without a delivery of their own are handed over in one
   * delivery that the run refills (see {@link Delivery#reuse}).
   */
  private boolean drainBatch() {
    InFlight.Slot slot = inFlight.slot();
    Object previous = slot.enter(subscriber);
    Run run = new Run(slot, capacity);
    Delivery scratch = Delivery.firstAttempt();
    MailboxQueue.Cursor at = queue.cursor();
    int n = 0;
    int waitedAt = 0; // n when this run last waited: deliveries are counted per wait, not each
    boolean completed = false;
    boolean refused = false;
    try {
      while (n < BATCH) {
        Delivery delivery = at.credit > 0 || farBehind(at) ? queue.poll(at, scratch) : null;
        if (delivery == null) {
          at.credit = 0;
          run.end(capacity); // caught up: give back what is finished before waiting for more
          countTaken(at, n - waitedAt);
          waitedAt = n;
          if (awaitMore(at)) {
            continue;
          }
          // Going idle: the run that next finds something takes it at once.
          at.credit = Integer.MAX_VALUE;
          break;
        }
        n++;
        at.credit--;
        run.endIfHolding(capacity);
        deliverer.deliver(subscriber, delivery, run);
        delivery.release();
      }
      completed = true;
    } finally {
      countTaken(at, n - waitedAt);
      queue.store(at);
      slot.exit(previous);
      run.end(capacity);
      refused = release(at, completed);
      if (!subscriber.active) {
        subscriber.ranAfterClose();
      }
    }
    return refused;
  }

  /** Adds {@code delivered} to the deliveries since the consumer last waited, up to STREAM. */
  private static void countTaken(MailboxQueue.Cursor at, int delivered) {
    at.taken = Math.min(STREAM, at.taken + delivered);
  }

  /** Whether the producers are still {@link #KEEP_BEHIND} slots ahead; if so, takes that many. */
  private boolean farBehind(MailboxQueue.Cursor at) {
    if (queue.hasWritten(at, KEEP_BEHIND)) {
      at.credit = KEEP_BEHIND;
      return true;
    }
    return false;
  }

  /**
   * Gives the mailbox up, and schedules it again if a producer queued while it was held. Returns
   * true if the executor refused it and {@code mayGoOn} (the batch ended normally): the mailbox is
   * then left scheduled, for the caller to take back. After a batch ended by a throw, a refusal is
   * reported as from a publisher.
   */
  private boolean release(MailboxQueue.Cursor at, boolean mayGoOn) {
    state = IDLE;
    // A producer that saw RUNNING did not schedule us; its reservation is visible here.
    return queue.pending(at) && scheduleIfIdle(mayGoOn);
  }

  /** Whether no thread runs or is scheduled to run this mailbox and nothing is queued in it. */
  boolean isSettled() {
    return state == IDLE && !queue.pending(queue.cursor());
  }

  /** Called when the executor refused to run this mailbox: give back the claim. */
  void unschedule() {
    // Fails, as it should, when a CALLER_RUNS publisher took the mailbox over meanwhile: that
    // thread holds it now and leaves it IDLE when done.
    casState(SCHEDULED, IDLE);
  }

  /**
   * Takes and returns every delivery still queued, whether or not a thread is running the
   * mailbox: for close after the drain timeout (even while a handler that ignores interrupts holds
   * the mailbox) and for tasks a stopped pool never ran. Each delivery is taken once, by this or
   * by the running thread, so none is both delivered and reported.
   */
  List<Delivery> takeAll() {
    List<Delivery> all = new ArrayList<>();
    if (!claim()) {
      queue.takeAllFrom(all); // a thread holds the mailbox, maybe a handler that never returns
      return all;
    }
    return takeClaimed(all, true);
  }

  /**
   * Takes and returns every delivery still queued if nobody holds the mailbox: for an executor
   * that refused to start it. If a thread runs it, or another publisher's task for it was
   * accepted meanwhile, returns nothing: that thread delivers what is queued.
   */
  List<Delivery> takeAllUnlessHeld() {
    List<Delivery> all = new ArrayList<>();
    return casState(IDLE, RUNNING) ? takeClaimed(all, false) : all;
  }

  /**
   * Consumes the queue of a mailbox this thread claimed, into {@code all}, and gives the mailbox
   * up; takes what is queued meanwhile too, claiming it again (even from a task that is scheduled
   * to run it, if {@code evenIfScheduled}) unless another thread has.
   */
  private List<Delivery> takeClaimed(List<Delivery> all, boolean evenIfScheduled) {
    while (true) { // nobody runs it: consume the queue, so it holds nothing afterwards
      MailboxQueue.Cursor at = queue.cursor();
      try {
        Delivery delivery;
        while ((delivery = queue.poll(at, null)) != null) {
          all.add(delivery);
        }
      } finally {
        queue.store(at);
        state = IDLE;
      }
      // A publish that reserved room before close can still be queueing: take it too, unless a
      // thread has claimed the mailbox since, which then runs or reports it. Taking it here
      // rather than scheduling the mailbox keeps a refusing executor from calling back in.
      if (!queue.pending(at) || !(evenIfScheduled ? claim() : casState(IDLE, RUNNING))) {
        return all;
      }
    }
  }

  Subscriber subscriber() {
    return subscriber;
  }
}
