package io.github.eventbus.handlers;

import io.github.eventbus.EventBus;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A watcher in a JVM of its own, started by {@link WatcherLocaleTest} in the C locale: prints
 * {@code READY} once watching, then {@code CHANGE <name>} for each ASCII-named file it reports.
 */
public final class WatcherLocaleChild {

  private WatcherLocaleChild() {}

  public static void main(String[] args) throws Exception {
    // A deadline, so that the test's reading ends even if this watcher stops reporting.
    java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "child-deadline");
      t.setDaemon(true);
      return t;
    }).schedule(() -> Runtime.getRuntime().halt(3), 60, java.util.concurrent.TimeUnit.SECONDS);
    try (EventBus bus = EventBus.builder().name("child").executor(Runnable::run).build()) {
      bus.subscribe(FileChange.class, c -> {
        String name = Path.of(c.filePath()).getFileName().toString();
        if (name.chars().allMatch(ch -> ch < 0x80)) {
          System.out.println("CHANGE " + name);
          System.out.flush();
        }
      });
      try (FileWatcher watcher = FileWatcher.builder(bus).watch(Path.of(args[0]))
          .debounce(Duration.ofMillis(50)).build()) {
        watcher.start();
        System.out.println("READY " + System.getProperty("sun.jnu.encoding"));
        System.out.flush();
        System.in.read(); // until the test closes our input
      }
    }
  }
}
