package io.github.eventbus.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The time from handing one event to an asynchronous bus until its one subscriber has it, one
 * event at a time: each invocation publishes an event and spins until the subscriber's thread
 * has stored it, so it measures the hand-off, the consumer's wake-up and the way back of one cache
 * line. Before each invocation the publisher waits {@code gapMicros}, busy and untimed (an
 * invocation-level fixture, outside the sampled time): 0 is back to back; 50 leaves event-bus's
 * worker still looking for more (it looks for about 100 µs before parking); 200 finds it parked
 * for about 100 µs, and 1000 for about 900. Every peer's consumer blocks on a lock or a queue as
 * soon as it is idle, so it is parked at every gap but, usually, 0 (the next event comes about
 * 100 ns after the last was seen, often before the consumer has parked).
 *
 * <p>The contenders are {@link AsyncEndToEndBenchmark}'s, {@link OneToOnePeers}. Sampled time
 * gives the percentiles.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class AsyncLatencyBenchmark {

  /** A subscriber that publishes what it last saw; one thread at a time calls it. */
  static final class LastSeen implements OneToOnePeers.Sink {
    volatile Object last;

    @Override
    public void accept(Object event) {
      last = event;
    }

    /**
     * Spins until this subscriber has seen {@code event} (by identity); JMH's timeout interrupts a
     * fork that waits for an event that never comes.
     */
    void await(Object event) {
      while (last != event) {
        if (Thread.interrupted()) {
          throw new IllegalStateException("interrupted waiting for event " + event);
        }
        Thread.onSpinWait();
      }
    }
  }

  /** Microseconds the publisher waits, busy and untimed, before each event. */
  @Param({"0", "50", "200", "1000"})
  public int gapMicros;

  private final LastSeen oursSeen = new LastSeen();
  private final LastSeen oursNoMdcSeen = new LastSeen();
  private final LastSeen greenrobotSeen = new LastSeen();
  private final LastSeen guavaSeen = new LastSeen();
  private final LastSeen disruptorSeen = new LastSeen();
  private final LastSeen queueSeen = new LastSeen();
  // Distinct objects, so that the one awaited is never the one seen last.
  private final Long[] events = new Long[1024];
  private int next;
  private OneToOnePeers peers;

  /** Builds and starts the contenders. */
  @Setup(Level.Trial)
  public void setUp() {
    for (int i = 0; i < events.length; i++) {
      events[i] = (long) i + 1_000_000; // outside Long's cache of small values
    }
    peers = new OneToOnePeers("bench-latency", AsyncEndToEndBenchmark.CAPACITY, oursSeen,
        oursNoMdcSeen, greenrobotSeen, guavaSeen, disruptorSeen, queueSeen);
  }

  /** The untimed pause before each event: busy, so the publisher's core stays awake. */
  @Setup(Level.Invocation)
  public void pause() {
    if (gapMicros > 0) {
      long end = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(gapMicros);
      while (System.nanoTime() - end < 0) {
        Thread.onSpinWait();
      }
    }
  }

  /**
   * Closes the contenders and waits for their threads.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    peers.close();
  }

  private Long nextEvent() {
    Long event = events[next];
    next = (next + 1) & (events.length - 1);
    return event;
  }

  /** Publishes one event with {@code publish} and waits until the subscriber has it. */
  @Benchmark
  public void ours() {
    Long event = nextEvent();
    peers.ours.publish(event);
    oursSeen.await(event);
  }

  /** As {@link #ours()}, without carrying the publisher's MDC to the worker. */
  @Benchmark
  public void oursWithoutMdc() {
    Long event = nextEvent();
    peers.oursNoMdc.publish(event);
    oursNoMdcSeen.await(event);
  }

  /** greenrobot {@code post} to its background thread; waits until the subscriber has it. */
  @Benchmark
  public void greenrobotBackground() {
    Long event = nextEvent();
    peers.greenrobot.post(event);
    greenrobotSeen.await(event);
  }

  /** Guava {@code AsyncEventBus.post}; waits until the subscriber has it. */
  @Benchmark
  public void guavaAsync() {
    Long event = nextEvent();
    peers.guava.post(event);
    guavaSeen.await(event);
  }

  /** Publishes on Disruptor's ring; waits until its handler has it. */
  @Benchmark
  public void disruptorBlocking() {
    Long event = nextEvent();
    peers.toRing(event);
    disruptorSeen.await(event);
  }

  /**
   * Puts on the queue; waits until its consumer thread has it.
   *
   * @throws InterruptedException if interrupted while putting
   */
  @Benchmark
  public void arrayBlockingQueue() throws InterruptedException {
    Long event = nextEvent();
    peers.queue.put(event);
    queueSeen.await(event);
  }
}
