package io.github.eventbus.kafka;

/**
 * A snapshot of a {@link KafkaBridge}'s counters, taken by {@link KafkaBridge#metrics()}. Counters
 * are read one after the other while records flow, so a busy bridge's snapshot is not an atomic
 * cut.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param produced records the broker acknowledged
 * @param produceFailed events the client finally failed to send (or could not encode); each became
 *     a {@link io.github.eventbus.DeadLetter}
 * @param notProducedBack events matching a {@code produce} pattern that were not produced because
 *     they came from Kafka ({@link BridgeHeaders#ORIGIN_ID} equal to their id)
 * @param consumed records accepted by the local bus
 * @param duplicates records skipped because an event of that id was accepted within the
 *     de-duplication window
 * @param ownRecords records skipped because this bridge produced them
 * @param undecodable records that were not events; each became a dead letter and was skipped
 * @param deadLetters dead letters the bridge published, or tried to on a bus that refused them
 *     (send failures plus undecodable records); one that found the bridge's dead-letter queue
 *     full (10,000) is only logged, rate-limited
 * @param pauses times a partition was paused because the local bus refused an event
 * @param handlerErrors records whose publish on the bus threw an {@code Error} from user code
 *     (a handler under {@linkplain KafkaBridgeBuilder#synchronousDelivery synchronous delivery},
 *     or an interceptor): as the bus's failure rule has it, not retried and not dead-lettered; committed, and the Error handed to the consumer
 *     thread's uncaught-exception handler while the thread goes on consuming (they are also
 *     counted in {@code consumed})
 * @param pollFailures polls that failed (an unauthorised topic, no committed offset under
 *     {@code auto.offset.reset=none}, a broken record batch); each is retried after the poll
 *     timeout, with a WARN at most every 10 s. A consumed topic that does not exist (or that the
 *     bridge may not describe) counts here too, once per look: Kafka's consumer waits for it
 *     without an error, so until each topic has been seen once the bridge asks every 10 s which
 *     topics it can see. One that keeps rising needs you to act.
 * @param commitFailures offset commits that failed (their records may be delivered again)
 * @param pausedPartitions partitions paused now
 * @param lag records behind the end of the assigned partitions, summed over those whose lag the
 *     consumer knows; -1 when it knows none (no inbound, nothing assigned yet, or closed)
 */
public record KafkaBridgeMetrics(
    long produced,
    long produceFailed,
    long notProducedBack,
    long consumed,
    long duplicates,
    long ownRecords,
    long undecodable,
    long deadLetters,
    long pauses,
    long handlerErrors,
    long pollFailures,
    long commitFailures,
    int pausedPartitions,
    long lag) {}
