package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * A compiled pattern over event {@linkplain TypeNames type names}, as used by
 * {@link EventBus#subscribe(String, EventHandler)}, audit-log filters and webhook routes.
 *
 * <p><b>Grammar.</b> A pattern is a type name in which whole segments may be {@code *}:
 *
 * <ul>
 *   <li>a {@code *} that is the <em>last</em> segment matches one or more segments, so
 *       {@code *} alone matches every type, and {@code report.*} matches {@code report.ready} and
 *       {@code report.daily.ready} but not {@code report};
 *   <li>a {@code *} anywhere else matches exactly one segment, so {@code *.created} matches
 *       {@code file.created} but not {@code a.file.created};
 *   <li>any other segment matches itself exactly (case-sensitive).
 * </ul>
 *
 * <p>A partial wildcard such as {@code rep*}, {@code **}, an empty segment or a character outside
 * the type-name alphabet is rejected by {@link #compile(String)} with a message saying what is
 * wrong.
 *
 * <p><b>Thread-safety:</b> immutable and thread-safe.
 */
public final class TypePattern {

  private static final TypePattern ALL = new TypePattern("*", new String[] {"*"});

  private final String pattern;
  private final String[] segments;
  // Fast paths: an exact name, or a literal prefix followed by a trailing "*".
  private final boolean exact;
  private final String literalPrefix;

  private TypePattern(String pattern, String[] segments) {
    this.pattern = pattern;
    this.segments = segments;
    this.exact = pattern.indexOf('*') < 0;
    int firstStar = Arrays.asList(segments).indexOf("*");
    this.literalPrefix =
        firstStar == segments.length - 1
            ? pattern.substring(0, pattern.length() - 1) // "a.b.*" -> "a.b."
            : null;
  }

  /**
   * Compiles a pattern.
   *
   * @param pattern a type name, possibly with {@code *} segments
   * @return the compiled pattern
   * @throws IllegalArgumentException if the pattern is malformed; the message says where and why
   */
  public static TypePattern compile(String pattern) {
    requireNonNull(pattern, "pattern");
    if (pattern.equals("*")) {
      return ALL;
    }
    if (pattern.isEmpty()) {
      throw invalid(pattern, "it is empty; use \"*\" to match every type");
    }
    if (pattern.length() > TypeNames.MAX_LENGTH) {
      throw invalid(pattern, "it is longer than " + TypeNames.MAX_LENGTH + " characters");
    }
    String[] segments = pattern.split("\\.", -1);
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i];
      if (segment.isEmpty()) {
        throw invalid(
            pattern, "segment " + (i + 1) + " is empty (check for a leading, trailing or doubled '.')");
      }
      if (segment.equals("*")) {
        continue;
      }
      for (int j = 0; j < segment.length(); j++) {
        char c = segment.charAt(j);
        if (c == '*') {
          throw invalid(
              pattern,
              "'*' must be a whole segment, but segment " + (i + 1) + " is \"" + segment
                  + "\" (write \"a.*\", not \"a*\" or \"a.**\")");
        }
        if (!TypeNames.isNameChar(c)) {
          throw invalid(
              pattern,
              "character '" + c + "' in segment " + (i + 1)
                  + " is not allowed (use ASCII letters and digits, '_', '-', '$', '*' and '.')");
        }
      }
    }
    return new TypePattern(pattern, segments);
  }

  /**
   * Returns the pattern that matches every type, {@code *}.
   *
   * @return the match-all pattern
   */
  public static TypePattern all() {
    return ALL;
  }

  /**
   * Tells whether a type name matches this pattern.
   *
   * @param typeName a type name
   * @return {@code true} if it matches
   */
  public boolean matches(String typeName) {
    requireNonNull(typeName, "typeName");
    if (exact) {
      return pattern.equals(typeName);
    }
    if (this == ALL) {
      return true;
    }
    if (literalPrefix != null) {
      return typeName.length() > literalPrefix.length() && typeName.startsWith(literalPrefix);
    }
    return matchSegments(typeName);
  }

  private boolean matchSegments(String typeName) {
    String[] names = typeName.split("\\.", -1);
    int last = segments.length - 1;
    boolean trailingStar = segments[last].equals("*");
    if (trailingStar ? names.length < segments.length : names.length != segments.length) {
      return false;
    }
    int fixed = trailingStar ? last : segments.length;
    for (int i = 0; i < fixed; i++) {
      if (!segments[i].equals("*") && !segments[i].equals(names[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * Tells whether this pattern is a plain type name without wildcards.
   *
   * @return {@code true} if it matches exactly one type name
   */
  public boolean isExact() {
    return exact;
  }

  /**
   * Returns the pattern as written.
   *
   * @return the source text
   */
  public String pattern() {
    return pattern;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TypePattern that && pattern.equals(that.pattern);
  }

  @Override
  public int hashCode() {
    return pattern.hashCode();
  }

  @Override
  public String toString() {
    return pattern;
  }

  private static IllegalArgumentException invalid(String pattern, String problem) {
    return new IllegalArgumentException("Invalid type pattern \"" + pattern + "\": " + problem);
  }
}
