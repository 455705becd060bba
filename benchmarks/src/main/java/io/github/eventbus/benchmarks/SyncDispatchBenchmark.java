package io.github.eventbus.benchmarks;

import io.github.eventbus.EventBus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Synchronous dispatch of one typed event to N subscribers: ours ({@code publishSync}), greenrobot
 * EventBus 3 ({@code post}, {@code ThreadMode.POSTING}, default builder), Guava's
 * {@code EventBus.post} with plain {@code @Subscribe} listeners, and a loop over a
 * {@code List<Consumer>} (the floor). Also dispatch to a subscriber of an interface the event
 * implements. Run with {@code -prof gc} for allocation per publish.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SyncDispatchBenchmark {

  /** The benchmark's event: a class implementing an interface. */
  public interface Priced {
    long cents();
  }

  /** The benchmark's event. */
  public record OrderPlaced(String id, long cents) implements Priced {}

  @Param({"1", "10"})
  int subscribers;

  private final OrderPlaced event = new OrderPlaced("o-1", 4200);
  private EventBus ours;
  private EventBus oursInterface;
  private com.google.common.eventbus.EventBus guava;
  private org.greenrobot.eventbus.EventBus greenrobot;
  private com.google.common.eventbus.EventBus guavaInterface;
  private List<Consumer<Object>> loop;

  @Setup(Level.Trial)
  public void setUp(Blackhole blackhole) {
    ours = EventBus.builder().name("bench").build();
    oursInterface = EventBus.builder().name("bench-interface").build();
    guava = new com.google.common.eventbus.EventBus("bench");
    greenrobot = org.greenrobot.eventbus.EventBus.builder().build();
    guavaInterface = new com.google.common.eventbus.EventBus("bench-interface");
    loop = new ArrayList<>();
    for (int i = 0; i < subscribers; i++) {
      ours.subscribe(OrderPlaced.class, blackhole::consume);
      oursInterface.subscribe(Priced.class, blackhole::consume);
      guava.register(new GuavaListeners.OfOrder(blackhole));
      greenrobot.register(new GreenrobotListeners.OfOrder(blackhole));
      guavaInterface.register(new GuavaListeners.OfPriced(blackhole));
      loop.add(blackhole::consume);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ours.close();
    oursInterface.close();
  }

  @Benchmark
  public void ours() {
    ours.publishSync(event);
  }

  @Benchmark
  public void guava() {
    guava.post(event);
  }

  @Benchmark
  public void greenrobot() {
    greenrobot.post(event);
  }

  @Benchmark
  public void plainLoop() {
    for (Consumer<Object> consumer : loop) {
      consumer.accept(event);
    }
  }

  @Benchmark
  public void oursInterface() {
    oursInterface.publishSync(event);
  }

  @Benchmark
  public void guavaInterface() {
    guavaInterface.post(event);
  }
}
