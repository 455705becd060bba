package io.github.eventbus.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.message.MapMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Threads;

/**
 * The audit log's first peer: Log4j2 with all loggers asynchronous (the LMAX Disruptor) writing
 * the same small event with {@code JsonTemplateLayout} as one JSON line ({@code format_version},
 * {@code timestamp}, {@code event_id}, {@code type}, {@code source}, {@code data}) to a file, from
 * one and two threads. {@code END_OF_BATCH} flushes the file when the logger thread has drained
 * its queue (like the audit log's {@code FLUSH}), {@code IMMEDIATE} after every line. A full
 * queue makes loggers wait (Log4j2's default policy), so nothing is dropped, and the trial fails
 * unless every event is a line in the file.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch",
    "-Dlog4j2.contextSelector=org.apache.logging.log4j.core.async.AsyncLoggerContextSelector",
    "-Dlog4j2.asyncLoggerRingBufferSize=65536",
    "-Dlog4j2.enableThreadlocals=true"})
public class Log4j2AuditBenchmark extends AuditPeer {

  private static final String TEMPLATE = """
      {"format_version":1,
       "timestamp":{"$resolver":"timestamp","pattern":{"format":"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'","timeZone":"UTC"}},
       "event_id":{"$resolver":"map","key":"event_id"},
       "type":{"$resolver":"map","key":"type"},
       "source":{"$resolver":"map","key":"source"},
       "data":{"$resolver":"map","key":"data"}}
      """;

  @Param({"END_OF_BATCH", "IMMEDIATE"})
  String flush;

  private LoggerContext context;
  private Logger logger;

  @Override
  void start(Path directory, Path file) throws IOException {
    Path template = Files.writeString(directory.resolve("template.json"), TEMPLATE);
    String xml = """
        <Configuration status="WARN">
          <Appenders>
            <File name="audit" fileName="%s" immediateFlush="%s" bufferedIO="true">
              <JsonTemplateLayout eventTemplateUri="%s"/>
            </File>
          </Appenders>
          <Loggers>
            <Root level="info"><AppenderRef ref="audit"/></Root>
          </Loggers>
        </Configuration>
        """.formatted(file, flush.equals("IMMEDIATE"),
        template.toUri());
    context = Configurator.initialize(null,
        new ConfigurationSource(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))));
    logger = context.getLogger("audit");
  }

  @Override
  void stop() {
    Configurator.shutdown(context, 5, TimeUnit.MINUTES); // drains the queue, closes the file
  }

  @Override
  String trial() {
    return "log4j2 " + flush;
  }

  @Override
  void logOne() {
    logger.info(new MapMessage<>(4)
        .with("event_id", AuditEvents.newId())
        .with("type", "order_placed")
        .with("source", "bench")
        .with("data", AuditEvents.ORDER_DATA));
  }

  @Benchmark
  public void log4j2(AuditEvents.Publisher publisher) {
    log(publisher);
  }

  @Benchmark
  @Threads(2)
  public void log4j2TwoThreads(AuditEvents.Publisher publisher) {
    log(publisher);
  }
}
