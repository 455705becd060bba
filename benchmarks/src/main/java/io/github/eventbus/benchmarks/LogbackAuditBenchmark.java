package io.github.eventbus.benchmarks;

import static net.logstash.logback.argument.StructuredArguments.kv;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import net.logstash.logback.encoder.LogstashEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Threads;

/**
 * The audit log's second peer: Logback's {@code AsyncAppender} in front of a file appender with
 * the Logstash JSON encoder, writing the same small event (its id, type and source as fields and
 * the event object, serialised by Jackson, as {@code data}) as one JSON line, from one and two
 * threads. {@code IMMEDIATE} flushes after every line (the only way Logback's lines reach the
 * file promptly, as under the audit log's {@code FLUSH}); {@code BUFFERED} leaves an 8 KiB buffer
 * to fill (like {@code NONE}). The appender never discards and never drops (it blocks when full),
 * and the trial fails unless every event is a line in the file.
 */
public class LogbackAuditBenchmark extends AuditPeer {

  @Param({"IMMEDIATE", "BUFFERED"})
  String flush;

  private LoggerContext context;
  private Logger logger;

  @Override
  void start(Path directory, Path events) {
    context = new LoggerContext(); // its own context, apart from the SLF4J binding's
    context.setMDCAdapter(new LogbackMDCAdapter());
    context.start();

    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.getFieldNames().setLogger("[ignore]");
    encoder.getFieldNames().setThread("[ignore]");
    encoder.getFieldNames().setLevelValue("[ignore]");
    encoder.getFieldNames().setVersion("[ignore]");
    encoder.start();

    FileAppender<ILoggingEvent> file = new FileAppender<>();
    file.setContext(context);
    file.setName("file");
    file.setFile(events.toString());
    file.setEncoder(encoder);
    file.setImmediateFlush(flush.equals("IMMEDIATE"));
    file.start();

    AsyncAppender async = new AsyncAppender();
    async.setContext(context);
    async.setName("async");
    async.setQueueSize(65_536);
    async.setDiscardingThreshold(0); // never discard INFO and below
    async.setNeverBlock(false); // wait when full
    async.setMaxFlushTime(300_000);
    async.addAppender(file);
    async.start();

    logger = context.getLogger("audit");
    logger.setAdditive(false);
    logger.setLevel(ch.qos.logback.classic.Level.INFO);
    logger.addAppender(async);
  }

  @Override
  void stop() {
    context.stop(); // the AsyncAppender drains its queue first
  }

  @Override
  String trial() {
    return "logback " + flush;
  }

  @Override
  void logOne() {
    logger.info("order_placed", kv("event_id", AuditEvents.newId()), kv("type", "order_placed"),
        kv("source", "bench"), kv("data", AuditEvents.ORDER));
  }

  @Benchmark
  public void logback(AuditEvents.Publisher publisher) {
    log(publisher);
  }

  @Benchmark
  @Threads(2)
  public void logbackTwoThreads(AuditEvents.Publisher publisher) {
    log(publisher);
  }
}
