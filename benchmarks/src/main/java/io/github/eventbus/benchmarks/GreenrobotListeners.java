package io.github.eventbus.benchmarks;

import java.util.function.Consumer;
import org.greenrobot.eventbus.Subscribe;
import org.greenrobot.eventbus.ThreadMode;
import org.openjdk.jmh.infra.Blackhole;

/** greenrobot EventBus listeners shared by the benchmarks. */
final class GreenrobotListeners {

  private GreenrobotListeners() {}

  /** Listens to {@link SyncDispatchBenchmark.OrderPlaced} on the posting thread. */
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
    @Subscribe(threadMode = ThreadMode.POSTING)
    public void on(SyncDispatchBenchmark.OrderPlaced event) {
      blackhole.consume(event);
    }
  }

  /**
   * Listens to {@code Long} on greenrobot's background thread: one at a time, in order, which is
   * what our queued subscriber guarantees (greenrobot's ASYNC mode gives no order).
   */
  public static final class InBackground {
    private final Consumer<Object> sink;

    InBackground(Consumer<Object> sink) {
      this.sink = sink;
    }

    /**
     * Handles the event.
     *
     * @param event the event
     */
    @Subscribe(threadMode = ThreadMode.BACKGROUND)
    public void on(Long event) {
      sink.accept(event);
    }
  }
}
