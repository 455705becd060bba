package io.github.eventbus.examples;

import io.github.eventbus.EventBus;
import io.github.eventbus.handlers.FileChange;
import io.github.eventbus.handlers.FileChangeHandler;
import io.github.eventbus.handlers.FileWatcher;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A file watcher publishing file changes, and the handler that logs them. */
public final class FileChangesExample {

  private FileChangesExample() {}

  /**
   * Runs the example.
   *
   * @param args optionally, the directory for the watched folder and the logs; a new temporary
   *     directory without it
   * @throws Exception if the files cannot be written
   */
  public static void main(String[] args) throws Exception {
    run(System.out, args.length > 0 ? Path.of(args[0])
        : Files.createTempDirectory("files-example"));
  }

  /**
   * Watches {@code dir/inbox} for CSV files, writes one, and logs its change under
   * {@code dir/logs}.
   *
   * @param out where to print
   * @param dir a directory for the watched folder and the logs
   * @return the file-change log, complete once this returns
   * @throws Exception if the files cannot be written
   */
  static Path run(PrintStream out, Path dir) throws Exception {
    Path watched = Files.createDirectories(dir.resolve("inbox"));
    CountDownLatch created = new CountDownLatch(1);
    // The handler is closed last: closing the bus first delivers what it still has queued.
    try (FileChangeHandler files = FileChangeHandler.builder().logRoot(dir.resolve("logs")).build();
        EventBus bus = EventBus.builder().build();
        FileWatcher watcher = FileWatcher.builder(bus).watch(watched).include("*.csv").build()) {
      files.register(bus);
      bus.subscribe(FileChange.class, change -> {
        out.println(change.changeType().json() + " " + change.filePath() + " "
            + change.checksum());
        created.countDown();
      });
      watcher.start();
      Files.writeString(watched.resolve("orders.csv"), "id,amount\n1,42\n");
      Files.writeString(watched.resolve("ignored.txt"), "not a csv");
      out.println(created.await(10, TimeUnit.SECONDS) ? "logged to "
          + files.logFile() : "no change seen in 10 s");
      return files.logFile();
    }
  }
}
