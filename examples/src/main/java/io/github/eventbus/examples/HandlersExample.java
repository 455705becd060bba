package io.github.eventbus.examples;

import io.github.eventbus.EventBus;
import io.github.eventbus.Subscription;
import io.github.eventbus.handlers.FileChangeHandler;
import io.github.eventbus.handlers.FileChangeNotification;
import io.github.eventbus.handlers.FileWatcher;
import io.github.eventbus.handlers.Handlers;
import io.github.eventbus.handlers.ReportDistributor;
import io.github.eventbus.handlers.ReportReadyHandler;
import io.github.eventbus.handlers.RiskAlertHandler;
import io.github.eventbus.handlers.SmtpReportDistributor;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The three ready handlers registered in one call, and a file watcher feeding them. */
public final class HandlersExample {

  /** Stands in for an application's firewall client. */
  static final class Firewall {
    void block(List<String> resources) {
      System.out.println("blocking " + resources);
    }
  }

  private HandlersExample() {}

  /**
   * Runs the example.
   *
   * @param args optionally, the directory for the watched folder and the logs; a new temporary
   *     directory without it
   * @throws Exception if the example cannot run
   */
  public static void main(String[] args) throws Exception {
    run(System.out, args.length > 0 ? Path.of(args[0])
        : Files.createTempDirectory("handlers-example"));
  }

  /**
   * Registers the three handlers, watches {@code root/data} and writes a file there.
   *
   * @param out where to print
   * @param root a directory for the watched folder and the logs
   * @return the handlers' log root, complete once this returns
   * @throws Exception if the files cannot be written
   */
  static Path run(PrintStream out, Path root) throws Exception {
    Path data = Files.createDirectories(root.resolve("data"));
    String smtpPassword = "not-used-in-this-example";
    Firewall firewall = new Firewall();
    try (EventBus bus = EventBus.builder().build()) {
      FileChangeHandler files = FileChangeHandler.builder().logRoot(root.resolve("logs")).build();
      ReportReadyHandler reports = ReportReadyHandler.builder()
          .logRoot(root.resolve("logs"))
          .distributor(SmtpReportDistributor.builder("smtp.example.com", 587)
              .from("reports@example.com").credentials("reports", smtpPassword).startTls(true).build())
          .distributor(ReportDistributor.publishing(bus))  // a ReportDistribution event per recipient
          .build();
      RiskAlertHandler risks = RiskAlertHandler.builder()
          .logRoot(root.resolve("logs"))
          .mitigation("block_ip", alert -> firewall.block(alert.affectedResources()))
          .build();
      Subscription all = Handlers.register(bus, files, reports, risks);

      CountDownLatch logged = new CountDownLatch(1);
      bus.subscribe(FileChangeNotification.class, n -> logged.countDown()); // once it is logged
      try (FileWatcher watcher = FileWatcher.builder(bus).watch(data).exclude("*.tmp").build()) {
        watcher.start();  // publishes file_change events
        Files.writeString(data.resolve("hello.txt"), "hello");
        out.println(logged.await(10, TimeUnit.SECONDS) ? "logged hello.txt" : "not logged in 10 s");
      }
      all.close();
      files.close();
      reports.close();
      risks.close();
      out.println("logs under " + root.resolve("logs"));
    }
    return root.resolve("logs");
  }
}
