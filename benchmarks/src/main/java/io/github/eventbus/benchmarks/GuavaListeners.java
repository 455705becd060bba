package io.github.eventbus.benchmarks;

import org.openjdk.jmh.infra.Blackhole;

/**
 * Guava listeners shared by the benchmarks: each hands what it receives to a blackhole or a sink.
 */
final class GuavaListeners {

  private GuavaListeners() {}

  /** Listens to {@link SyncDispatchBenchmark.OrderPlaced}. */
  public static final class OfOrder {
    private final Blackhole blackhole;

    OfOrder(Blackhole blackhole) {
      this.blackhole = blackhole;
    }

    /**
     * Handles the event.
     *
     * @param event the event
     */
    @com.google.common.eventbus.Subscribe
    public void on(SyncDispatchBenchmark.OrderPlaced event) {
      blackhole.consume(event);
    }
  }

  /** Listens to {@link SyncDispatchBenchmark.Priced}, an interface of the event. */
  public static final class OfPriced {
    private final Blackhole blackhole;

    OfPriced(Blackhole blackhole) {
      this.blackhole = blackhole;
    }

    /**
     * Handles the event.
     *
     * @param event the event
     */
    @com.google.common.eventbus.Subscribe
    public void on(SyncDispatchBenchmark.Priced event) {
      blackhole.consume(event);
    }
  }

  /** Listens to {@code Long}, handing each to a sink. */
  public static final class OfLong {
    private final OneToOnePeers.Sink sink;

    OfLong(OneToOnePeers.Sink sink) {
      this.sink = sink;
    }

    /**
     * Handles the event.
     *
     * @param event the event
     */
    @com.google.common.eventbus.Subscribe
    public void on(Long event) {
      sink.accept(event);
    }
  }
}
