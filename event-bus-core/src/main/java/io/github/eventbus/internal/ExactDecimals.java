package io.github.eventbus.internal;

import com.fasterxml.jackson.core.JsonParseException;
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
 * their {@code Double}s, and nothing written is rounded. A decimal whose exponent puts it more
 * than {@value #MAX_SCALE} places from the decimal point ({@code 1e999999999}) is refused: held
 * exactly, the first sum or plain rendering of it would take time and memory without bound.
 * Used for one document on one thread.
 */
public final class ExactDecimals extends JsonParserDelegate {

  /** The largest scale, either way, of a decimal kept exactly. */
  public static final int MAX_SCALE = 1_000;

  /**
   * Wraps a parser.
   *
   * @param parser the parser of one document
   */
  public ExactDecimals(JsonParser parser) {
    super(parser);
  }

  /**
   * Tells Jackson's tree reader how to hold the current number.
   *
   * @return {@code DOUBLE64} or {@code BIG_DECIMAL} for a decimal, as above
   * @throws IOException if the decimal's exponent is out of range, or the parser's own
   */
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
    BigDecimal written = delegate.getDecimalValue();
    if (Math.abs((long) written.scale()) > MAX_SCALE) {
      throw new JsonParseException(this, "a number's exponent is out of range");
    }
    if (Double.isInfinite(d)) {
      return NumberTypeFP.BIG_DECIMAL; // out of a double's range
    }
    BigDecimal asDouble = new BigDecimal(Double.toString(d));
    return asDouble.compareTo(written) == 0 && asDouble.scale() == written.scale()
        ? NumberTypeFP.DOUBLE64
        : NumberTypeFP.BIG_DECIMAL;
  }
}
