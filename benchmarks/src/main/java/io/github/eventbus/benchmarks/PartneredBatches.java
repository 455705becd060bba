package io.github.eventbus.benchmarks;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The floor benchmarks' shape ({@link ComputeFloorBenchmark}, {@link CoreToCoreFloorBenchmark}):
 * {@link SingleShotBatches} with a second thread, a {@link SpinningPartner}, that spins from
 * before each batch starts until it ends, so that no wake-up is timed, and parks between batches,
 * as a bus worker does once idle.
 */
public abstract class PartneredBatches extends SingleShotBatches {

  private SpinningPartner partner;

  /** The partner thread's name. */
  abstract String partnerName();

  /** One step of the partner thread, run over and over during a batch. */
  abstract void partnerStep();

  /** Starts the partner thread, held until the first batch. */
  @Setup(Level.Trial)
  public void startPartner() {
    partner = new SpinningPartner(partnerName(), this::partnerStep);
  }

  /** Lets the partner spin again, before the batch starts. */
  @Override
  protected final void beforeBatch() {
    partner.resume();
  }

  /** Parks the partner between batches. */
  @Override
  protected final void afterBatch() {
    partner.hold();
  }

  /**
   * Stops the partner thread and waits for it.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  @TearDown(Level.Trial)
  public void stopPartner() throws InterruptedException {
    partner.stop();
  }
}
