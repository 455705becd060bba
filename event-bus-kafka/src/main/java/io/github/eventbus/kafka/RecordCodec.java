package io.github.eventbus.kafka;

import io.github.eventbus.Event;
import io.github.eventbus.audit.AuditEntry;
import io.github.eventbus.audit.AuditFormat;
import io.github.eventbus.internal.Utf8;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Turns events into records and back, through the audit log's line format. */
final class RecordCodec {

  private static final byte[] VERSION = bytes(Integer.toString(AuditFormat.VERSION));

  private final AuditFormat format;
  private final RecordKey key;
  private final byte[] bridgeId;

  RecordCodec(AuditFormat format, RecordKey key, String bridgeId) {
    this.format = format;
    this.key = key;
    this.bridgeId = bytes(bridgeId);
  }

  /**
   * Encodes an event for a topic.
   *
   * @throws IllegalArgumentException if the format cannot write the payload
   */
  ProducerRecord<byte[], byte[]> encode(String topic, Event<?> event) {
    byte[] value = format.encode(event);
    Headers headers = new RecordHeaders();
    headers.add(BridgeHeaders.EVENT_ID, bytes(event.id()));
    headers.add(BridgeHeaders.TYPE, bytes(event.type()));
    headers.add(BridgeHeaders.SOURCE, bytes(event.source()));
    event.metadata().correlationId()
        .ifPresent(c -> headers.add(BridgeHeaders.CORRELATION_ID, bytes(c)));
    headers.add(BridgeHeaders.FORMAT_VERSION, VERSION);
    headers.add(BridgeHeaders.BRIDGE, bridgeId);
    String k = key.keyOf(event);
    return new ProducerRecord<>(topic, null, k == null ? null : bytes(k), value, headers);
  }

  /** Tells whether this bridge produced the record. */
  boolean isOwn(ConsumerRecord<byte[], byte[]> record) {
    Header h = record.headers().lastHeader(BridgeHeaders.BRIDGE);
    return h != null && java.util.Arrays.equals(h.value(), bridgeId);
  }

  /**
   * Decodes a record into an envelope marked with its origin.
   *
   * @throws IllegalArgumentException if the record is not an event of this format; the message
   *     says why and never quotes the value
   */
  Event<?> decode(ConsumerRecord<byte[], byte[]> record) {
    // Every one, not the last: a record that also names another version is not one to guess at.
    for (Header version : record.headers().headers(BridgeHeaders.FORMAT_VERSION)) {
      if (!java.util.Arrays.equals(version.value(), VERSION)) {
        throw new IllegalArgumentException("unsupported format_version header (this library reads "
            + AuditFormat.VERSION + ")");
      }
    }
    if (record.value() == null) {
      throw new IllegalArgumentException("the record has no value");
    }
    String text = Utf8.strict(record.value());
    if (text == null) {
      throw new IllegalArgumentException("the value is not UTF-8");
    }
    AuditEntry entry;
    try {
      entry = format.decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(reason(e.getMessage()), e);
    }
    Event<?> event;
    try {
      event = format.toEvent(entry);
    } catch (IllegalArgumentException e) {
      // What rejects the fields (the type name's rules, the registered class) names the offending
      // value, which is the record's text: the reason stays fixed, the cause keeps the detail.
      String reason = e.getCause() != null // the format wraps what the mapper threw
          ? "the data does not decode into the class registered for its type"
          : "its type name or id do not make a valid event";
      throw new IllegalArgumentException(reason, e);
    }
    String origin = record.topic() + "/" + record.partition() + "/" + record.offset();
    return event.withMetadata(event.metadata().withHeader(BridgeHeaders.ORIGIN, origin)
        .withHeader(BridgeHeaders.ORIGIN_ID, event.id()));
  }

  /**
   * Keeps the part of a decoding failure that names the problem, not the parser's detail, which
   * may quote the record's text; what is kept is bounded and free of control characters.
   */
  static String reason(String message) {
    String text = String.valueOf(message);
    int detail = text.indexOf(": ");
    return printable(detail >= 0 ? text.substring(0, detail) : text);
  }

  /**
   * Text from a record made safe for a log line: bounded, with control characters, line and
   * paragraph separators and invisible format characters (which can forge or hide a line in a
   * log viewer) replaced.
   */
  static String printable(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), 200));
    for (int i = 0; i < text.length() && out.length() < 200; i++) {
      char c = text.charAt(i);
      int kind = Character.getType(c);
      boolean unsafe = Character.isISOControl(c) || kind == Character.FORMAT
          || kind == Character.LINE_SEPARATOR || kind == Character.PARAGRAPH_SEPARATOR;
      out.append(unsafe ? '?' : c);
    }
    return out.toString();
  }

  /** Whether a bridge received this very event from Kafka (not one that copied its metadata). */
  static boolean isFromKafka(Event<?> event) {
    return event.id().equals(event.metadata().headers().get(BridgeHeaders.ORIGIN_ID));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
