package io.github.eventbus.kafka;

import java.util.concurrent.atomic.LongAdder;

/** The bridge's counters, written by its threads and the bus's, read by metrics(). */
final class Counters {
  final LongAdder produced = new LongAdder();
  final LongAdder produceFailed = new LongAdder();
  final LongAdder notProducedBack = new LongAdder();
  final LongAdder consumed = new LongAdder();
  final LongAdder duplicates = new LongAdder();
  final LongAdder ownRecords = new LongAdder();
  final LongAdder undecodable = new LongAdder();
  final LongAdder deadLetters = new LongAdder();
  final LongAdder pauses = new LongAdder();
  final LongAdder handlerErrors = new LongAdder();
  final LongAdder pollFailures = new LongAdder();
  final LongAdder commitFailures = new LongAdder();
  volatile int pausedPartitions;
  volatile long lag = -1;

  KafkaBridgeMetrics snapshot() {
    return new KafkaBridgeMetrics(produced.sum(), produceFailed.sum(), notProducedBack.sum(),
        consumed.sum(),
        duplicates.sum(), ownRecords.sum(), undecodable.sum(), deadLetters.sum(), pauses.sum(),
        handlerErrors.sum(), pollFailures.sum(), commitFailures.sum(), pausedPartitions, lag);
  }
}
