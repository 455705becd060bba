package io.github.eventbus.benchmarks;

import io.github.eventbus.EventBus;
import java.util.concurrent.CountDownLatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One producer publishes {@code events} ({@value #EVENTS} unless {@code -p events=...} says
 * otherwise) events to one subscriber; one operation is one batch, timed until the subscriber has
 * handled them all. By default one iteration is one batch, so JMH prints every batch; in
 * average-time mode an iteration is batches back to back for the iteration's time (a second with
 * the README's command; see {@link SingleShotBatches}). Stability is each iteration against the
 * median. The contenders are
 * {@link OneToOnePeers}: ours ({@code publish}, one worker; with its defaults, and without
 * carrying the MDC), greenrobot EventBus 3 ({@code ThreadMode.BACKGROUND}), Guava's
 * {@code AsyncEventBus}, LMAX Disruptor with its {@code BlockingWaitStrategy}, and an
 * {@code ArrayBlockingQueue} hand-off to one consumer thread (the floor of a hand-off).
 * {@link ComputeFloorBenchmark}, measured the same way, hands nothing off.
 */
public class AsyncEndToEndBenchmark extends SingleShotBatches {

  static final int EVENTS = 1_000_000;
  static final int CAPACITY = 65_536;

  /**
   * A counting subscriber that counts a latch down at its {@code expected}-th event, then starts
   * over; one thread at a time.
   */
  static final class Counter implements OneToOnePeers.Sink {
    private final int expected;
    private long seen;
    volatile CountDownLatch done;

    Counter(int expected) {
      this.expected = expected;
    }

    @Override
    public void accept(Object event) {
      if (++seen == expected) {
        seen = 0;
        done.countDown();
      }
    }
  }

  /**
   * Events per batch. The README's rows use the default; a longer batch shows how much of a
   * batch's spread is disturbances of fixed length (a 40 ms one is 1.5x of a 30 ms batch).
   */
  @Param({"" + EVENTS})
  public int events;

  private Counter oursCounter;
  private Counter oursNoMdcCounter;
  private Counter greenrobotCounter;
  private Counter guavaCounter;
  private Counter disruptorCounter;
  private Counter queueCounter;
  private OneToOnePeers peers;
  private Long[] batch;

  @Setup(Level.Trial)
  public void setUp() {
    batch = new Long[events];
    for (int i = 0; i < events; i++) {
      batch[i] = (long) i;
    }
    oursCounter = new Counter(events);
    oursNoMdcCounter = new Counter(events);
    greenrobotCounter = new Counter(events);
    guavaCounter = new Counter(events);
    disruptorCounter = new Counter(events);
    queueCounter = new Counter(events);
    peers = new OneToOnePeers("bench-async", CAPACITY, oursCounter, oursNoMdcCounter,
        greenrobotCounter, guavaCounter, disruptorCounter, queueCounter);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    peers.close();
  }

  @Benchmark
  public void ours() throws InterruptedException {
    publishAll(peers.ours, oursCounter);
  }

  /** As {@link #ours()}, without carrying the publisher's MDC to the worker. */
  @Benchmark
  public void oursWithoutMdc() throws InterruptedException {
    publishAll(peers.oursNoMdc, oursNoMdcCounter);
  }

  private void publishAll(EventBus bus, Counter counter) throws InterruptedException {
    CountDownLatch done = expect(counter);
    for (Long event : batch) {
      bus.publish(event);
    }
    done.await();
  }

  private static CountDownLatch expect(Counter counter) {
    CountDownLatch done = new CountDownLatch(1);
    counter.done = done;
    return done;
  }

  @Benchmark
  public void greenrobotBackground() throws InterruptedException {
    CountDownLatch done = expect(greenrobotCounter);
    for (Long event : batch) {
      peers.greenrobot.post(event);
    }
    done.await();
  }

  @Benchmark
  public void guavaAsync() throws InterruptedException {
    CountDownLatch done = expect(guavaCounter);
    for (Long event : batch) {
      peers.guava.post(event);
    }
    done.await();
  }

  @Benchmark
  public void disruptorBlocking() throws InterruptedException {
    CountDownLatch done = expect(disruptorCounter);
    for (Long event : batch) {
      peers.toRing(event);
    }
    done.await();
  }

  @Benchmark
  public void arrayBlockingQueue() throws InterruptedException {
    CountDownLatch done = expect(queueCounter);
    for (Long event : batch) {
      peers.queue.put(event);
    }
    done.await();
  }
}
