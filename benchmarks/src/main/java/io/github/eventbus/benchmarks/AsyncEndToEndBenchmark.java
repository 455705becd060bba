package io.github.eventbus.benchmarks;

import com.google.common.eventbus.AsyncEventBus;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.github.eventbus.EventBus;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One producer publishes {@value #EVENTS} events to one subscriber; one iteration is one batch,
 * timed until the subscriber has handled them all, so JMH prints every iteration and stability
 * (each iteration against the median) can be read off directly. Ours ({@code publish}, one
 * worker; with its defaults, and without carrying the MDC, which none of the peers does),
 * greenrobot EventBus 3 ({@code ThreadMode.BACKGROUND}: one thread, in order), Guava's
 * {@code AsyncEventBus} on a single-thread executor, LMAX Disruptor with its
 * {@code BlockingWaitStrategy} (no spinning consumer, like ours), and an {@code ArrayBlockingQueue}
 * hand-off to one consumer thread (the floor). Queue bounds are equal for ours, Disruptor and the
 * hand-off.
 */
public class AsyncEndToEndBenchmark extends SingleShotBatches {

  static final int EVENTS = 1_000_000;
  static final int CAPACITY = 65_536;
  private static final Long POISON = -1L;

  /** A counting subscriber that counts a latch down at its last event; one thread at a time. */
  public static final class Counter {
    private long seen;
    volatile CountDownLatch done;

    void accept(Object event) {
      if (++seen == EVENTS) {
        seen = 0;
        done.countDown();
      }
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
  }

  /** Disruptor's mutable ring entry. */
  static final class LongEvent {
    Long value;
  }

  private final Counter oursCounter = new Counter();
  private final Counter oursNoMdcCounter = new Counter();
  private final Counter greenrobotCounter = new Counter();
  private final Counter guavaCounter = new Counter();
  private final Counter disruptorCounter = new Counter();
  private final Counter queueCounter = new Counter();
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
  private final Long[] events = new Long[EVENTS];

  @Setup(Level.Trial)
  public void setUp() {
    for (int i = 0; i < EVENTS; i++) {
      events[i] = (long) i;
    }
    ours = EventBus.builder().name("bench-async").workers(1).queueCapacity(CAPACITY).build();
    ours.subscribe(Long.class, oursCounter::accept);
    ours.start();
    oursNoMdc = EventBus.builder().name("bench-async-no-mdc").workers(1).queueCapacity(CAPACITY)
        .propagateMdc(false).build();
    oursNoMdc.subscribe(Long.class, oursNoMdcCounter::accept);
    oursNoMdc.start();
    greenrobotExecutor = Executors.newSingleThreadExecutor();
    greenrobot = org.greenrobot.eventbus.EventBus.builder().executorService(greenrobotExecutor)
        .build();
    greenrobot.register(new GreenrobotListeners.InBackground(greenrobotCounter::accept));
    guavaExecutor = Executors.newSingleThreadExecutor();
    guava = new AsyncEventBus("bench-async", guavaExecutor);
    guava.register(guavaCounter);
    disruptor = new Disruptor<>(LongEvent::new, CAPACITY, runnable -> new Thread(runnable,
        "bench-disruptor"), ProducerType.SINGLE, new BlockingWaitStrategy());
    disruptor.handleEventsWith((entry, sequence, endOfBatch) -> {
      disruptorCounter.accept(entry.value);
      entry.value = null;
    });
    ring = disruptor.start();
    queue = new ArrayBlockingQueue<>(CAPACITY);
    consumer = new Thread(() -> {
      try {
        while (true) {
          Long next = queue.take();
          if (next == POISON) {
            return;
          }
          queueCounter.accept(next);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "bench-consumer");
    consumer.start();
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

  @Benchmark
  public void ours() throws InterruptedException {
    publishAll(ours, oursCounter);
  }

  /** As {@link #ours()}, without carrying the publisher's MDC to the worker. */
  @Benchmark
  public void oursWithoutMdc() throws InterruptedException {
    publishAll(oursNoMdc, oursNoMdcCounter);
  }

  private void publishAll(EventBus bus, Counter counter) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    counter.done = done;
    for (Long event : events) {
      bus.publish(event);
    }
    done.await();
  }

  @Benchmark
  public void greenrobotBackground() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    greenrobotCounter.done = done;
    for (Long event : events) {
      greenrobot.post(event);
    }
    done.await();
  }

  @Benchmark
  public void guavaAsync() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    guavaCounter.done = done;
    for (Long event : events) {
      guava.post(event);
    }
    done.await();
  }

  @Benchmark
  public void disruptorBlocking() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    disruptorCounter.done = done;
    for (Long event : events) {
      ring.publishEvent((entry, sequence, value) -> entry.value = value, event);
    }
    done.await();
  }

  @Benchmark
  public void arrayBlockingQueue() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    queueCounter.done = done;
    for (Long event : events) {
      queue.put(event);
    }
    done.await();
  }
}
