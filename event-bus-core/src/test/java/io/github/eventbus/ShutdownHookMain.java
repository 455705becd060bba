package io.github.eventbus;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A program for {@link ShutdownTest}: publishes events to a slow handler and returns from main
 * without closing the bus; only {@link EventBusBuilder#closeOnShutdown()} gets them handled.
 */
public final class ShutdownHookMain {

  private ShutdownHookMain() {}

  /**
   * Runs the program.
   *
   * @param args the output file and the number of events
   * @throws IOException if the file cannot be opened
   */
  public static void main(String[] args) throws IOException {
    BufferedWriter out = Files.newBufferedWriter(Path.of(args[0]), StandardCharsets.UTF_8);
    int count = Integer.parseInt(args[1]);
    EventBus bus = EventBus.builder().name("hooked").workers(1).closeOnShutdown().build();
    bus.subscribe(Integer.class, n -> {
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // slow work, not a wait
      out.write("event " + n + "\n");
      if (n == count - 1) {
        out.close();
      }
    });
    for (int i = 0; i < count; i++) {
      bus.publish(i);
    }
  }
}
