package io.github.eventbus.benchmarks;

import io.github.eventbus.EventBus;
import java.util.concurrent.CountDownLatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One producer publishes {@value #EVENTS} events to one subscriber; one iteration is one batch,
 * timed until the subscriber has handled them all, so JMH prints every iteration and stability
 * (each iteration against the median) can be read off directly. The contenders are
 * {@link OneToOnePeers}: ours ({@code publish}, one worker; with its defaults, and without
 * carrying the MDC), greenrobot EventBus 3 ({@code ThreadMode.BACKGROUND}), Guava's
 * {@code AsyncEventBus}, LMAX Disruptor with its {@code BlockingWaitStrategy}, and an
 * {@code ArrayBlockingQueue} hand-off to one consumer thread (the floor of a hand-off).
 * {@link ComputeFloorBenchmark}, measured the same way, hands nothing off.
 */
public class AsyncEndToEndBenchmark extends SingleShotBatches {

  static final int EVENTS = 1_000_000;
  static final int CAPACITY = 65_536;

  /** A counting subscriber that counts a latch down at its last event; one thread at a time. */
  static final class Counter implements OneToOnePeers.Sink {
    private long seen;
    volatile CountDownLatch done;

    @Override
    public void accept(Object event) {
      if (++seen == EVENTS) {
        seen = 0;
        done.countDown();
      }
    }
  }

  private final Counter oursCounter = new Counter();
  private final Counter oursNoMdcCounter = new Counter();
  private final Counter greenrobotCounter = new Counter();
  private final Counter guavaCounter = new Counter();
  private final Counter disruptorCounter = new Counter();
  private final Counter queueCounter = new Counter();
  private OneToOnePeers peers;
  private final Long[] events = new Long[EVENTS];

  @Setup(Level.Trial)
  public void setUp() {
    for (int i = 0; i < EVENTS; i++) {
      events[i] = (long) i;
    }
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
    for (Long event : events) {
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
    for (Long event : events) {
      peers.greenrobot.post(event);
    }
    done.await();
  }

  @Benchmark
  public void guavaAsync() throws InterruptedException {
    CountDownLatch done = expect(guavaCounter);
    for (Long event : events) {
      peers.guava.post(event);
    }
    done.await();
  }

  @Benchmark
  public void disruptorBlocking() throws InterruptedException {
    CountDownLatch done = expect(disruptorCounter);
    for (Long event : events) {
      peers.toRing(event);
    }
    done.await();
  }

  @Benchmark
  public void arrayBlockingQueue() throws InterruptedException {
    CountDownLatch done = expect(queueCounter);
    for (Long event : events) {
      peers.queue.put(event);
    }
    done.await();
  }
}
