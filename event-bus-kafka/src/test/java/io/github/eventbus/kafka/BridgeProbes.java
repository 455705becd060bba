package io.github.eventbus.kafka;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.audit.AuditFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the adversarial probes of the bridge share: a broker of the subclass's own, resources
 * closed after each probe in reverse order, and small readers of dead letters and threads. Each
 * probe guards a documented promise against hostile records, replays, close under load or with
 * the broker gone, and misuse; those commented "Regression" failed before the fix they name.
 */
abstract class BridgeProbes {

  static final AuditFormat TYPED = AuditFormat.builder().register(OrderPlaced.class).build();

  @RegisterExtension final Resources resources = new Resources();

  /** The subclass's broker, started once for its probes. */
  abstract KafkaBroker kafka();

  <T extends AutoCloseable> T closing(T resource) {
    return resources.closing(resource);
  }

  EventBus bus(String name) {
    return closing(EventBus.builder().name(name).build());
  }

  RawKafka raw() {
    return closing(new RawKafka(kafka()));
  }

  KafkaBridgeBuilder bridge(EventBus bus) {
    return KafkaBridge.builder(bus).bootstrapServers(kafka().bootstrapServers())
        .pollTimeout(Duration.ofMillis(100));
  }

  static List<DeadLetter> deadLetters(EventBus bus) {
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, dead::add);
    return dead;
  }

  static UndecodableRecord undecodable(DeadLetter d) {
    return (UndecodableRecord) d.event().payload();
  }

  static List<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
  }

  static void awaitWaiting(Thread t) {
    Eventually.await(() -> t.getState() == Thread.State.WAITING
        || t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.BLOCKED
        || !t.isAlive(), t::getState);
  }

  /** Polls until the condition holds or the time is up; tells which, for probes that may fail. */
  static boolean within(Duration limit, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    return true;
  }

  static int n(Event<?> e) {
    return ((Number) ((DynamicEvent) e.payload()).get("n")).intValue();
  }

  static boolean fromKafka(Event<?> e) {
    return e.id().equals(e.metadata().headers().get(BridgeHeaders.ORIGIN_ID));
  }

  static ThreadFactory withHandler(Thread.UncaughtExceptionHandler handler) {
    return r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      t.setUncaughtExceptionHandler(handler);
      return t;
    };
  }
}
