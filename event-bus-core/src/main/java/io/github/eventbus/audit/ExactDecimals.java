package io.github.eventbus.audit;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * A parser that tells Jackson's tree reader to keep a decimal as a {@link BigDecimal} when a
 * {@code double} would change it (its digits, as in {@code 12345678901234567.89}, its scale, as
 * in {@code 1.10}, or its range, as in {@code 1E400}), and as a {@code double} otherwise. Every
 * {@code double} the writer wrote reads back as that {@code double} (the writer writes the
 * shortest text that reads back as the same value), so payloads and {@code DynamicEvent} maps keep
 * their {@code Double}s, and nothing written is rounded. Used for one line on one thread.
 */
final class ExactDecimals extends JsonParserDelegate {

  ExactDecimals(JsonParser parser) {
    super(parser);
  }

  @Override
  public NumberTypeFP getNumberTypeFP() throws IOException {
    if (currentToken() != JsonToken.VALUE_NUMBER_FLOAT) {
      return super.getNumberTypeFP();
    }
    // The double first: read after the BigDecimal, it would be taken from it and lose -0.0.
    double d = delegate.getDoubleValue();
    String text = delegate.getText();
    if (Double.toString(d).equals(text) || Double.isNaN(d) || text.endsWith("Infinity")) {
      return NumberTypeFP.DOUBLE64; // the common case, and the non-numeric tokens a mapper allows
    }
    if (Double.isInfinite(d)) {
      return NumberTypeFP.BIG_DECIMAL; // out of a double's range
    }
    BigDecimal written = delegate.getDecimalValue();
    BigDecimal asDouble = new BigDecimal(Double.toString(d));
    return asDouble.compareTo(written) == 0 && asDouble.scale() == written.scale()
        ? NumberTypeFP.DOUBLE64
        : NumberTypeFP.BIG_DECIMAL;
  }
}
