package io.github.eventbus.audit;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.jsonl.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The child JVM of {@link AuditCrashTest}: publishes under FSYNC with synchronous acknowledgement
 * and prints each event id once {@code publishSync} has returned, until it is killed.
 */
public final class CrashChild {

  private CrashChild() {}

  /**
   * Runs until killed.
   *
   * @param args the log directory
   */
  public static void main(String[] args) {
    AuditLog audit = AuditLog.builder(Path.of(args[0])).durability(Durability.FSYNC)
        .acknowledge(Duration.ofSeconds(30)).build();
    try (EventBus bus = EventBus.builder().name("crash").auditLog(audit).build()) {
      String[] lastId = new String[1];
      bus.subscribeEnvelope(DynamicEvent.class, (Event<? extends DynamicEvent> e) -> lastId[0] = e.id());
      for (long i = 0; ; i++) {
        bus.publishSync(DynamicEvent.of("crash.test", Map.of("i", i, "pad", "x".repeat(200))));
        System.out.println(lastId[0]);
        System.out.flush();
      }
    }
  }
}
