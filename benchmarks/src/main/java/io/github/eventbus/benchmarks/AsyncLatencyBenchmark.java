package io.github.eventbus.benchmarks;

import com.google.common.eventbus.AsyncEventBus;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.github.eventbus.EventBus;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * worker still looking for more (it looks for about 100 µs before parking); 200 finds it parked,
 * as every peer's consumer is at every gap (each blocks on a lock or a queue when idle).
 *
 * <p>Peers as in {@link AsyncEndToEndBenchmark}: greenrobot's background thread, Guava's
 * {@code AsyncEventBus} on a single-thread executor, Disruptor with its blocking wait strategy,
 * and an {@code ArrayBlockingQueue} hand-off to one thread. Sampled time gives the percentiles.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class AsyncLatencyBenchmark {

  private static final int CAPACITY = 65_536;
  private static final Long POISON = Long.MIN_VALUE;

  /** A subscriber that publishes what it last saw; one thread at a time calls it. */
  public static final class LastSeen {
    volatile Object last;

    void accept(Object event) {
      last = event;
    }

    /**
     * Guava entry point.
     *
     * @param event the event
     */
    @com.google.common.eventbus.Subscribe
    public void on(Long event) {
      accept(event);
    }

    /** Spins until this subscriber has seen {@code event} (by identity). */
    void await(Object event) {
      while (last != event) {
        Thread.onSpinWait();
      }
    }
  }

  /** Disruptor's mutable ring entry. */
  static final class LongEvent {
    Long value;
  }

  @Param({"0", "50", "200"})
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
  private EventBus ours;
  private EventBus oursNoMdc;
  private ExecutorService greenrobotExecutor;
  private org.greenrobot.eventbus.EventBus greenrobot;
  private ExecutorService guavaExecutor;
  private AsyncEventBus guava;
  private Disruptor<LongEvent> disruptor;
  private RingBuffer<LongEvent> ring;
  private ArrayBlockingQueue<Long> queue;
  private Thread consumer;

  @Setup(Level.Trial)
  public void setUp() {
    for (int i = 0; i < events.length; i++) {
      events[i] = (long) i + 1_000_000; // outside Long's cache of small values
    }
    ours = EventBus.builder().name("bench-latency").workers(1).queueCapacity(CAPACITY).build();
    ours.subscribe(Long.class, oursSeen::accept);
    ours.start();
    oursNoMdc = EventBus.builder().name("bench-latency-no-mdc").workers(1)
        .queueCapacity(CAPACITY).propagateMdc(false).build();
    oursNoMdc.subscribe(Long.class, oursNoMdcSeen::accept);
    oursNoMdc.start();
    greenrobotExecutor = Executors.newSingleThreadExecutor();
    greenrobot = org.greenrobot.eventbus.EventBus.builder().executorService(greenrobotExecutor)
        .build();
    greenrobot.register(new GreenrobotListeners.InBackground(greenrobotSeen::accept));
    guavaExecutor = Executors.newSingleThreadExecutor();
    guava = new AsyncEventBus("bench-latency", guavaExecutor);
    guava.register(guavaSeen);
    disruptor = new Disruptor<>(LongEvent::new, CAPACITY, runnable -> new Thread(runnable,
        "bench-disruptor"), ProducerType.SINGLE, new BlockingWaitStrategy());
    disruptor.handleEventsWith((entry, sequence, endOfBatch) -> {
      disruptorSeen.accept(entry.value);
      entry.value = null;
    });
    ring = disruptor.start();
    queue = new ArrayBlockingQueue<>(CAPACITY);
    consumer = new Thread(() -> {
      try {
        while (true) {
          Long event = queue.take();
          if (event == POISON) {
            return;
          }
          queueSeen.accept(event);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "bench-consumer");
    consumer.start();
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

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    ours.close();
    oursNoMdc.close();
    greenrobotExecutor.shutdown();
    guavaExecutor.shutdown();
    disruptor.shutdown();
    queue.put(POISON);
    consumer.join();
  }

  private Long nextEvent() {
    Long event = events[next];
    next = (next + 1) & (events.length - 1);
    return event;
  }

  @Benchmark
  public void ours() {
    Long event = nextEvent();
    ours.publish(event);
    oursSeen.await(event);
  }

  /** As {@link #ours()}, without carrying the publisher's MDC to the worker. */
  @Benchmark
  public void oursWithoutMdc() {
    Long event = nextEvent();
    oursNoMdc.publish(event);
    oursNoMdcSeen.await(event);
  }

  @Benchmark
  public void greenrobotBackground() {
    Long event = nextEvent();
    greenrobot.post(event);
    greenrobotSeen.await(event);
  }

  @Benchmark
  public void guavaAsync() {
    Long event = nextEvent();
    guava.post(event);
    guavaSeen.await(event);
  }

  @Benchmark
  public void disruptorBlocking() {
    Long event = nextEvent();
    ring.publishEvent((entry, sequence, value) -> entry.value = value, event);
    disruptorSeen.await(event);
  }

  @Benchmark
  public void arrayBlockingQueue() throws InterruptedException {
    Long event = nextEvent();
    queue.put(event);
    queueSeen.await(event);
  }
}
