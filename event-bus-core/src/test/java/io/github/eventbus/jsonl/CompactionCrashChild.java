package io.github.eventbus.jsonl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;

/**
 * The child JVM of {@link CompactionCrashTest}: keeps numbers as its state in a compacting FSYNC
 * file, adding one after another and removing each 8 later, except every tenth, which stays (as
 * a few deliveries stay pending in an outbox), until it is killed. Prints
 * {@code add n} and {@code del n} once a change is acknowledged, and {@code removing n} before it
 * removes a number from the state.
 */
public final class CompactionCrashChild {

  private CompactionCrashChild() {}

  /**
   * Runs until killed.
   *
   * @param args the file
   */
  public static void main(String[] args) throws InterruptedException {
    Set<Integer> live = new TreeSet<>();
    Semaphore unacknowledged = new Semaphore(16); // changes share fsyncs, as under load
    JsonLinesWriter<Object> writer = JsonLinesWriter.toFile(Path.of(args[0]),
            JsonLinesWriter.jackson())
        .durability(Durability.FSYNC)
        .restoreOnVanish(() -> {
          synchronized (live) {
            return new ArrayList<>(live.stream().map(n -> Map.of("add", n)).toList());
          }
        })
        .compactAbove(512).build();
    for (int n = 0; ; n++) {
      synchronized (live) {
        live.add(n);
      }
      change(writer, unacknowledged, "add", n);
      if (n >= 8 && (n - 8) % 10 != 0) {
        print("removing " + (n - 8));
        synchronized (live) {
          live.remove(n - 8);
        }
        change(writer, unacknowledged, "del", n - 8);
      }
    }
  }

  private static void change(JsonLinesWriter<Object> writer, Semaphore unacknowledged, String op,
      int n) throws InterruptedException {
    unacknowledged.acquire();
    writer.appendAcknowledged(Map.of(op, n)).thenRun(() -> {
      print(op + " " + n);
      unacknowledged.release();
    });
  }

  private static void print(String line) {
    synchronized (System.out) {
      System.out.println(line);
      System.out.flush();
    }
  }
}
