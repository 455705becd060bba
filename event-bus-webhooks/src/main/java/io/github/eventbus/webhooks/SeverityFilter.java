package io.github.eventbus.webhooks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Selects events by the {@code severity} field of their payload, case-insensitive. A forwarder
 * reads the field from the message bytes it sends anyway, with a streaming parser (no JSON tree,
 * no second serialisation); used on its own, it reads a dynamic event's map or serialises the
 * payload once.
 */
final class SeverityFilter implements Predicate<Event<?>> {

  private static final JsonFactory JSON = new JsonFactory();

  private final Set<String> wanted;
  private final boolean negated;

  SeverityFilter(Set<String> wanted, boolean negated) {
    this.wanted = Set.copyOf(wanted);
    this.negated = negated;
  }

  /** Tests a severity already read, lower-case, {@code ""} if absent. */
  boolean acceptsSeverity(String severity) {
    return wanted.contains(severity) != negated;
  }

  @Override
  public boolean test(Event<?> event) {
    Object payload = event.payload();
    String severity;
    if (payload instanceof DynamicEvent d) {
      Object raw = d.get("severity");
      severity = raw == null ? "" : raw.toString().toLowerCase(Locale.ROOT);
    } else {
      severity = severityIn(WebhookMessage.of(event).bodyBytes());
    }
    return acceptsSeverity(severity);
  }

  @Override
  public SeverityFilter negate() {
    return new SeverityFilter(wanted, !negated);
  }

  /** Reads {@code data.severity} from a webhook body, lower-case; {@code ""} if absent. */
  static String severityIn(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return "";
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("data") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String inner = p.currentName();
            JsonToken v = p.nextToken();
            if (inner.equals("severity") && v.isScalarValue() && v != JsonToken.VALUE_NULL) {
              return p.getText().toLowerCase(Locale.ROOT);
            }
            p.skipChildren();
          }
          return "";
        }
        p.skipChildren();
      }
      return "";
    } catch (IOException malformed) {
      return "";
    }
  }
}
