package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.internal.Settings;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What travels with an event besides its payload: an optional correlation id, an optional source
 * that overrides the bus's default, and free-form string headers.
 *
 * <pre>{@code
 * bus.publish(order, Metadata.builder().correlationId(requestId).header("tenant", "acme").build());
 * }</pre>
 *
 * <p><b>Thread-safety:</b> immutable.
 */
public final class Metadata {

  private static final Metadata EMPTY = new Metadata(null, null, Map.of());

  private final String correlationId;
  private final String source;
  private final Map<String, String> headers;

  private Metadata(String correlationId, String source, Map<String, String> headers) {
    this.correlationId = correlationId;
    this.source = source;
    this.headers = headers;
  }

  /**
   * Returns metadata with nothing in it.
   *
   * @return the empty metadata
   */
  public static Metadata empty() {
    return EMPTY;
  }

  /**
   * Returns a builder for metadata.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the correlation id, which ties related events (and their log lines) together.
   *
   * @return the correlation id, if set
   */
  public Optional<String> correlationId() {
    return Optional.ofNullable(correlationId);
  }

  /** The correlation id or null, without an Optional; for the delivery path. */
  String correlationIdOrNull() {
    return correlationId;
  }

  /**
   * Returns the source to record for the event instead of the bus's default source.
   *
   * @return the source, if set
   */
  public Optional<String> source() {
    return Optional.ofNullable(source);
  }

  /**
   * Returns the headers.
   *
   * @return an unmodifiable map in insertion order
   */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * Returns a copy of this metadata with one header added or replaced.
   *
   * @param name the header name
   * @param value the header value
   * @return the new metadata
   * @throws IllegalArgumentException if the name is blank, as {@link Builder#header} says
   */
  public Metadata withHeader(String name, String value) {
    Builder.nonBlank(name, "header name");
    Builder builder = toBuilder();
    builder.headers.put(name, requireNonNull(value, "value"));
    return builder.build();
  }

  /**
   * Returns a builder that starts from this metadata.
   *
   * @return a new builder holding these values; a value already present cannot be set again (use
   *     {@link #withHeader} to replace a header)
   */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.correlationId = correlationId;
    builder.source = source;
    builder.headers.putAll(headers);
    return builder;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Metadata that
        && java.util.Objects.equals(correlationId, that.correlationId)
        && java.util.Objects.equals(source, that.source)
        && headers.equals(that.headers);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(correlationId, source, headers);
  }

  @Override
  public String toString() {
    return "Metadata{correlationId=" + correlationId + ", source=" + source + ", headers="
        + headers.keySet() + "}";
  }

  /**
   * Builds {@link Metadata}. Not thread-safe; each value may be set once.
   */
  public static final class Builder {
    private String correlationId;
    private String source;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets the correlation id.
     *
     * @param correlationId the id, not blank
     * @return this builder
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder correlationId(String correlationId) {
      this.correlationId = Settings.setOnce(this.correlationId, nonBlank(correlationId, "correlationId"),
          "correlationId");
      return this;
    }

    /**
     * Sets the source recorded for the event.
     *
     * @param source the source, not blank
     * @return this builder
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder source(String source) {
      this.source = Settings.setOnce(this.source, nonBlank(source, "source"), "source");
      return this;
    }

    /**
     * Adds a header.
     *
     * @param name the header name, not blank
     * @param value the value
     * @return this builder
     * @throws IllegalArgumentException if the name is blank
     * @throws IllegalStateException if a header of that name was already added
     */
    public Builder header(String name, String value) {
      nonBlank(name, "header name");
      requireNonNull(value, "value of header " + name);
      if (headers.putIfAbsent(name, value) != null) {
        throw new IllegalStateException(
            "header '" + name + "' was already set; each header can be set once");
      }
      return this;
    }

    /**
     * Builds the metadata.
     *
     * @return immutable metadata
     */
    public Metadata build() {
      if (correlationId == null && source == null && headers.isEmpty()) {
        return EMPTY;
      }
      return new Metadata(
          correlationId, source, Collections.unmodifiableMap(new LinkedHashMap<>(headers)));
    }

    private static String nonBlank(String value, String name) {
      requireNonNull(value, name);
      if (value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank");
      }
      return value;
    }
  }
}
