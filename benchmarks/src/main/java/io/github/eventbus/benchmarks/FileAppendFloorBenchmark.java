package io.github.eventbus.benchmarks;

import io.github.eventbus.Event;
import io.github.eventbus.audit.AuditFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/**
 * The floor under every audit-log benchmark: the publishing thread itself appends an audit line
 * that is already encoded (the audit log's own line for the same event, about 220 bytes) to a
 * 64 KiB direct buffer, and writes the buffer to the file with one {@code write(2)} when it is
 * full, as the audit log's writer does (or a 1 MiB one). Nothing is encoded, queued or handed between threads, so
 * its score is what the kernel's copy into the file's pages allows for lines of this size: no
 * writer that puts each line through the page cache can sustain more. Run it in the same JMH run
 * as {@link AuditLogBenchmark} and its peers.
 */
public class FileAppendFloorBenchmark extends AuditPeer {

  /** Bytes per {@code write(2)}: the audit log's 64 KiB, and 1 MiB to show the size is not it. */
  @Param({"65536", "1048576"})
  int writeBytes;

  private FileChannel channel;
  private ByteBuffer pending;
  private byte[] line;

  @Override
  void start(Path directory, Path file) throws IOException {
    byte[] encoded = AuditFormat.standard()
        .encode(Event.builder(AuditEvents.ORDER).id(AuditEvents.newId()).timestamp(Instant.now())
            .source("bench-audit").build());
    pending = ByteBuffer.allocateDirect(writeBytes);
    line = new byte[encoded.length + 1];
    System.arraycopy(encoded, 0, line, 0, encoded.length);
    line[encoded.length] = '\n';
    Files.createDirectories(file.getParent());
    channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
  }

  @Override
  void logOne() {
    if (pending.remaining() < line.length) {
      writePending();
    }
    pending.put(line);
  }

  @Override
  void stop() {
    writePending();
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  String trial() {
    return "file append floor";
  }

  private void writePending() {
    pending.flip();
    try {
      while (pending.hasRemaining()) {
        channel.write(pending);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    pending.clear();
  }

  @Benchmark
  public void fileAppend(AuditEvents.Publisher publisher) {
    log(publisher);
  }
}
