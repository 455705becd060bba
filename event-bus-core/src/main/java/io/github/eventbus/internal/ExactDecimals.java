package io.github.eventbus.internal;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ValueNode;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * A parser that tells Jackson's tree reader to keep a decimal as a {@link BigDecimal} when a
 * {@code double} would change it (its digits, as in {@code 12345678901234567.89}, its scale, as
 * in {@code 1.10}, or its range, as in {@code 1E400}), and as a {@code double} otherwise: when
 * the text is the {@code double}'s as {@link Double#toString(double)} or a shortest-digits writer
 * (Jackson's fast writer, Java 19 and later) writes it. So every {@code double} a writer of
 * either kind wrote reads back as that {@code double}, payloads and {@code DynamicEvent} maps keep
 * their {@code Double}s, a {@code BigDecimal} read from either node is the number written, and
 * nothing written is rounded. A decimal whose exponent puts it more than {@value #MAX_SCALE}
 * places from the decimal point ({@code 1e999999999}) is refused: held exactly, the first sum or
 * plain rendering of it would take time and memory without bound. Read through
 * {@link #readTree}, with a reader made by {@link #configure}; used for one document on one
 * thread. A mapper that reads every decimal as a {@code BigDecimal}
 * ({@code USE_BIG_DECIMAL_FOR_FLOATS}) loses none already, and is left to its own way.
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
    if (!Double.isFinite(d) && text.chars().noneMatch(Character::isDigit)) {
      return NumberTypeFP.DOUBLE64; // NaN, Infinity, INF: the tokens a lenient mapper allows
    }
    // The common case: the text a double's Double.toString gives (a writer's default).
    String plain = Double.toString(d);
    if (text.equals(plain)) {
      return NumberTypeFP.DOUBLE64;
    }
    BigDecimal written;
    try {
      written = delegate.getDecimalValue();
    } catch (NumberFormatException exponentOverflow) { // its message would quote the text
      throw new JsonParseException(this, "a number's exponent is out of range");
    }
    if (Math.abs((long) written.scale()) > MAX_SCALE) {
      throw new JsonParseException(this, "a number's exponent is out of range");
    }
    // As a double, the node's decimalValue() is the BigDecimal of Double.toString: the same
    // number only if that text is. Otherwise NODES decides, given the BigDecimal.
    return Double.isFinite(d) && same(written, plain)
        ? NumberTypeFP.DOUBLE64
        : NumberTypeFP.BIG_DECIMAL;
  }

  /** Whether {@code text} is {@code number}: the same value with the same scale. */
  private static boolean same(BigDecimal number, String text) {
    BigDecimal other = new BigDecimal(text);
    return other.scale() == number.scale() && other.compareTo(number) == 0;
  }

  /**
   * Makes a decimal that a shortest-digits writer wrote for a {@code double} (Jackson's fast
   * writer; {@code Double.toString} from Java 19 on; Java 17's is not always the shortest) a
   * {@code double} node that still gives the written number as its {@code decimalValue()}, and
   * any other a {@code DecimalNode}.
   */
  private static final JsonNodeFactory NODES = new JsonNodeFactory(false) {
    private static final long serialVersionUID = 1L;

    @Override
    public ValueNode numberNode(BigDecimal v) {
      double d = v.doubleValue();
      return Double.isFinite(d) && same(v, NumberOutput.toString(d, true))
          ? new WrittenDouble(d, v)
          : super.numberNode(v);
    }
  };

  /** A double read from text that {@code Double.toString} would write otherwise. */
  private static final class WrittenDouble extends DoubleNode {
    private static final long serialVersionUID = 1L;
    private final BigDecimal written;

    WrittenDouble(double value, BigDecimal written) {
      super(value);
      this.written = written;
    }

    @Override
    public BigDecimal decimalValue() {
      return written;
    }
  }

  /**
   * The reader to read a tree through this parser with: it keeps a decimal's scale, and makes
   * decimal nodes as described above.
   *
   * @param reader a mapper's reader
   * @return that reader, configured
   */
  public static ObjectReader configure(ObjectReader reader) {
    return bigDecimalsAlready(reader) ? reader
        : reader.without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES).with(NODES);
  }

  /**
   * Reads one JSON value from {@code parser} as a tree, decimals as described above.
   *
   * @param reader a reader made by {@link #configure}
   * @param parser the document's parser, left after the value (to check that nothing follows)
   * @return the tree, or {@code null} at the end of input
   * @throws IOException if the text is not JSON or a decimal's exponent is out of range
   */
  public static JsonNode readTree(ObjectReader reader, JsonParser parser) throws IOException {
    return reader.readTree(bigDecimalsAlready(reader) ? parser : new ExactDecimals(parser));
  }

  private static boolean bigDecimalsAlready(ObjectReader reader) {
    return reader.isEnabled(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  }
}
