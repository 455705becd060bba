package io.github.eventbus.benchmarks;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.github.eventbus.EventBus;
import io.github.eventbus.benchmarks.AsyncEndToEndBenchmark.Counter;
import io.github.eventbus.benchmarks.OneToOnePeers.LongEvent;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Four producers publish {@value #EVENTS} events in all (a quarter each) to four subscribers that
 * each receive every event: ours ({@code publish}, four workers, four queued subscribers) next to
 * LMAX Disruptor's multi-producer ring with four handlers (each on its own thread) and the
 * {@code BlockingWaitStrategy}. One iteration is one batch, timed until every subscriber has
 * handled every event (4M deliveries). Compare with {@link AsyncEndToEndBenchmark} (1M deliveries,
 * 1 to 1) for the scaling.
 */
public class AsyncFanOutBenchmark extends SingleShotBatches {

  static final int EVENTS = AsyncEndToEndBenchmark.EVENTS; // per subscriber, as Counter counts
  static final int PRODUCERS = 4;
  static final int SUBSCRIBERS = 4;
  static final int CAPACITY = AsyncEndToEndBenchmark.CAPACITY;

  private final Counter[] oursCounters = counters();
  private final Counter[] disruptorCounters = counters();
  private EventBus ours;
  private Disruptor<LongEvent> disruptor;
  private RingBuffer<LongEvent> ring;
  private ExecutorService producers;
  private final Long[] events = new Long[EVENTS];

  private static Counter[] counters() {
    Counter[] counters = new Counter[SUBSCRIBERS];
    for (int i = 0; i < SUBSCRIBERS; i++) {
      counters[i] = new Counter(EVENTS);
    }
    return counters;
  }

  @Setup(Level.Trial)
  @SuppressWarnings("unchecked")
  public void setUp() {
    for (int i = 0; i < EVENTS; i++) {
      events[i] = (long) i;
    }
    ours = EventBus.builder().name("bench-fan-out").workers(SUBSCRIBERS).queueCapacity(CAPACITY)
        .build();
    for (Counter counter : oursCounters) {
      ours.subscribe(Long.class, counter::accept);
    }
    ours.start();
    AtomicInteger threads = new AtomicInteger();
    disruptor = new Disruptor<>(LongEvent::new, CAPACITY, runnable -> new Thread(runnable,
        "bench-disruptor-" + threads.incrementAndGet()), ProducerType.MULTI,
        new BlockingWaitStrategy());
    EventHandler<LongEvent>[] handlers = new EventHandler[SUBSCRIBERS];
    for (int i = 0; i < SUBSCRIBERS; i++) {
      Counter counter = disruptorCounters[i];
      handlers[i] = (entry, sequence, endOfBatch) -> counter.accept(entry.value);
    }
    disruptor.handleEventsWith(handlers);
    ring = disruptor.start();
    AtomicInteger producerThreads = new AtomicInteger();
    producers = Executors.newFixedThreadPool(PRODUCERS, runnable -> new Thread(runnable,
        "bench-producer-" + producerThreads.incrementAndGet()));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ours.close();
    disruptor.shutdown();
    producers.shutdown();
  }

  private CountDownLatch arm(Counter[] counters) {
    CountDownLatch done = new CountDownLatch(SUBSCRIBERS);
    for (Counter counter : counters) {
      counter.done = done;
    }
    return done;
  }

  private void produce(IntConsumer publishRange) throws Exception {
    Future<?>[] running = new Future<?>[PRODUCERS];
    int share = EVENTS / PRODUCERS;
    for (int p = 0; p < PRODUCERS; p++) {
      int from = p * share;
      running[p] = producers.submit(() -> publishRange.accept(from));
    }
    for (Future<?> f : running) {
      f.get();
    }
  }

  /** Publishes one producer's share, starting at the given index. */
  private interface IntConsumer {
    void accept(int from);
  }

  @Benchmark
  public void ours() throws Exception {
    CountDownLatch done = arm(oursCounters);
    produce(from -> {
      for (int i = from, end = from + EVENTS / PRODUCERS; i < end; i++) {
        ours.publish(events[i]);
      }
    });
    done.await();
  }

  @Benchmark
  public void disruptorMultiProducer() throws Exception {
    CountDownLatch done = arm(disruptorCounters);
    produce(from -> {
      for (int i = from, end = from + EVENTS / PRODUCERS; i < end; i++) {
        ring.publishEvent((entry, sequence, value) -> entry.value = value, events[i]);
      }
    });
    done.await();
  }
}
