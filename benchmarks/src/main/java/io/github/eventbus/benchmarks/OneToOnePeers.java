package io.github.eventbus.benchmarks;

import com.google.common.eventbus.AsyncEventBus;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.github.eventbus.EventBus;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The 1-to-1 asynchronous contenders, built alike for {@link AsyncEndToEndBenchmark} and
 * {@link AsyncLatencyBenchmark}: event-bus with one worker (with its defaults, and without carrying
 * the MDC, which none of the peers does), greenrobot EventBus on its background thread (one
 * thread, in order), Guava's {@code AsyncEventBus} on a single-thread executor, LMAX Disruptor
 * with its {@code BlockingWaitStrategy} (no spinning consumer, like ours), and an
 * {@code ArrayBlockingQueue} handed to one consumer thread. Each delivers {@code Long} events to
 * its own {@link Sink}; queue bounds are equal for ours, Disruptor and the queue. Built and closed
 * by one thread; each contender takes one publishing thread at a time.
 */
final class OneToOnePeers {

  /** Where a contender's events go; one thread at a time calls it. */
  interface Sink {
    /** Takes one delivered event. */
    void accept(Object event);
  }

  /** Disruptor's mutable ring entry. */
  static final class LongEvent {
    Long value;
  }

  private static final Long POISON = Long.MIN_VALUE; // one object, told apart by identity
  private static final EventTranslatorOneArg<LongEvent, Long> FILL =
      (entry, sequence, value) -> entry.value = value;

  final EventBus ours;
  final EventBus oursNoMdc;
  final org.greenrobot.eventbus.EventBus greenrobot;
  final AsyncEventBus guava;
  final ArrayBlockingQueue<Long> queue;
  private final RingBuffer<LongEvent> ring;
  private final ExecutorService greenrobotExecutor;
  private final ExecutorService guavaExecutor;
  private final Disruptor<LongEvent> disruptor;
  private final Thread consumer;

  /**
   * Builds and starts every contender, named after {@code name}, each bounded to
   * {@code capacity}.
   */
  OneToOnePeers(String name, int capacity, Sink toOurs, Sink toOursNoMdc, Sink toGreenrobot,
      Sink toGuava, Sink toDisruptor, Sink toQueue) {
    ours = EventBus.builder().name(name).workers(1).queueCapacity(capacity).build();
    ours.subscribe(Long.class, toOurs::accept);
    ours.start();
    oursNoMdc = EventBus.builder().name(name + "-no-mdc").workers(1).queueCapacity(capacity)
        .propagateMdc(false).build();
    oursNoMdc.subscribe(Long.class, toOursNoMdc::accept);
    oursNoMdc.start();
    greenrobotExecutor = Executors.newSingleThreadExecutor();
    greenrobot = org.greenrobot.eventbus.EventBus.builder().executorService(greenrobotExecutor)
        .build();
    greenrobot.register(new GreenrobotListeners.InBackground(toGreenrobot::accept));
    guavaExecutor = Executors.newSingleThreadExecutor();
    guava = new AsyncEventBus(name, guavaExecutor);
    guava.register(new GuavaListeners.OfLong(toGuava));
    disruptor = new Disruptor<>(LongEvent::new, capacity, runnable -> new Thread(runnable,
        name + "-disruptor"), ProducerType.SINGLE, new BlockingWaitStrategy());
    disruptor.handleEventsWith((entry, sequence, endOfBatch) -> {
      toDisruptor.accept(entry.value);
      entry.value = null;
    });
    ring = disruptor.start();
    queue = new ArrayBlockingQueue<>(capacity);
    consumer = new Thread(() -> {
      try {
        while (true) {
          Long next = queue.take();
          if (next == POISON) {
            return;
          }
          toQueue.accept(next);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name + "-consumer");
    consumer.start();
  }

  /** Publishes {@code event} on Disruptor's ring, waiting for room. */
  void toRing(Long event) {
    ring.publishEvent(FILL, event);
  }

  /** Closes every contender and waits for the threads they started. */
  void close() throws InterruptedException {
    ours.close();
    oursNoMdc.close();
    greenrobotExecutor.shutdown();
    guavaExecutor.shutdown();
    disruptor.shutdown();
    queue.put(POISON);
    consumer.join();
    greenrobotExecutor.awaitTermination(10, TimeUnit.SECONDS);
    guavaExecutor.awaitTermination(10, TimeUnit.SECONDS);
  }
}
