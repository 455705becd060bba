package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.internal.Settings;
import java.time.Instant;
import java.util.Objects;

/**
 * The envelope of a published event: its payload with a unique id, type name, timestamp, source
 * and {@link Metadata}.
 *
 * <p>The bus stamps the envelope: the id is time-ordered (UUID version 7 layout, so ids sort by
 * the time they were stamped), the timestamp comes from the bus's injected
 * {@link java.time.Clock}, and the source is the {@link Metadata#source()} given at publish time
 * or else the bus's {@linkplain EventBusBuilder#source(String) default source}. A handler
 * receives envelopes by
 * subscribing with {@link EventBus#subscribeEnvelope(Class, EventHandler)}, with a
 * {@linkplain EventBus#subscribe(String, EventHandler) type pattern}, or through a
 * {@link Subscribe @Subscribe} method that takes an {@code Event<T>}.
 *
 * <p>Stamping costs a clock read and two allocations, so when no subscriber asks for the envelope
 * (and no metadata, audit log, interceptor or tracked publish needs it) the bus skips it for
 * {@link EventBus#publishSync(Object)}, and for
 * {@link EventBus#publish(Object)} of an event with a single subscriber; it stamps the envelope
 * only if it becomes needed (a failure, a retry or a dead letter), and then the id and timestamp
 * record that moment. One envelope serves every attempt and the dead letter of a delivery.
 *
 * <p>To republish an event with its original identity (a replay, or an event received from
 * elsewhere), build an envelope with {@link #builder(Object)} and publish it: the bus keeps its id,
 * timestamp, source and metadata.
 *
 * <p><b>Thread-safety:</b> immutable; the payload should be immutable too.
 *
 * @param <T> the payload type
 */
public final class Event<T> {

  private final long idHigh;
  private final long idLow;
  private String id; // formatted lazily; a racy single-check is safe for an immutable String
  private final String type;
  private final Instant timestamp;
  private final String source;
  private final T payload;
  private final Metadata metadata;

  private Event(
      long idHigh, long idLow, String id, String type, Instant timestamp, String source, T payload,
      Metadata metadata) {
    this.idHigh = idHigh;
    this.idLow = idLow;
    this.id = id;
    this.type = type;
    this.timestamp = timestamp;
    this.source = source;
    this.payload = payload;
    this.metadata = metadata;
  }

  /** Stamps a new envelope; used by the bus. */
  static <T> Event<T> stamp(
      long idHigh, long idLow, String type, Instant timestamp, String source, T payload,
      Metadata metadata) {
    return new Event<>(idHigh, idLow, null, type, timestamp, source, payload, metadata);
  }

  /**
   * Returns a builder for an envelope with an identity given by the caller, for republishing.
   *
   * @param payload the payload (not an {@code Event})
   * @param <T> the payload type
   * @return a new builder
   * @throws IllegalArgumentException if the payload is itself an {@code Event}
   */
  public static <T> Builder<T> builder(T payload) {
    requireNonNull(payload, "payload");
    if (payload instanceof Event<?>) {
      throw new IllegalArgumentException("payload is already an Event; envelopes do not nest");
    }
    return new Builder<>(payload);
  }

  /**
   * Returns the unique id.
   *
   * @return the id, for events stamped by a bus a UUID string whose order is the publish order
   */
  public String id() {
    String result = id;
    if (result == null) {
      result = EventIds.format(idHigh, idLow);
      id = result;
    }
    return result;
  }

  /**
   * Returns the type name, see {@link TypeNames}.
   *
   * @return the type name
   */
  public String type() {
    return type;
  }

  /**
   * Returns when the event was stamped, by the bus's clock.
   *
   * @return the timestamp
   */
  public Instant timestamp() {
    return timestamp;
  }

  /**
   * Returns the system or component the event came from.
   *
   * @return the source
   */
  public String source() {
    return source;
  }

  /**
   * Returns the payload: the object that was published.
   *
   * @return the payload
   */
  public T payload() {
    return payload;
  }

  /**
   * Returns the metadata.
   *
   * @return the metadata, {@link Metadata#empty()} if none was given
   */
  public Metadata metadata() {
    return metadata;
  }

  /**
   * Returns a copy of this envelope with other metadata; id, type, timestamp, source and payload
   * are kept.
   *
   * @param metadata the new metadata
   * @return the copy
   */
  public Event<T> withMetadata(Metadata metadata) {
    requireNonNull(metadata, "metadata");
    return new Event<>(idHigh, idLow, id, type, timestamp, source, payload, metadata);
  }

  /** Returns a copy with another source; used by the bus to fill in its default source. */
  Event<T> withSource(String newSource) {
    return new Event<>(idHigh, idLow, id, type, timestamp, newSource, payload, metadata);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Event<?> that
        && id().equals(that.id())
        && type.equals(that.type)
        && timestamp.equals(that.timestamp)
        && source.equals(that.source)
        && payload.equals(that.payload)
        && metadata.equals(that.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id(), type, timestamp);
  }

  /** Describes the envelope without its payload, which may hold personal data or secrets. */
  @Override
  public String toString() {
    return "Event{id=" + id() + ", type=" + type + ", timestamp=" + timestamp + ", source=" + source
        + "}";
  }

  /**
   * Builds an {@link Event} with a given identity. Not thread-safe; each value may be set once;
   * {@code id} and {@code timestamp} are required.
   *
   * @param <T> the payload type
   */
  public static final class Builder<T> {
    private final T payload;
    private String id;
    private Instant timestamp;
    private String source;
    private Metadata metadata;

    private Builder(T payload) {
      this.payload = payload;
    }

    /**
     * Sets the id.
     *
     * @param id the id, not blank
     * @return this builder
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder<T> id(String id) {
      requireNonNull(id, "id");
      if (id.isBlank()) {
        throw new IllegalArgumentException("id must not be blank");
      }
      this.id = Settings.setOnce(this.id, id, "id");
      return this;
    }

    /**
     * Sets the timestamp.
     *
     * @param timestamp when the event happened
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<T> timestamp(Instant timestamp) {
      this.timestamp = Settings.setOnce(this.timestamp, timestamp, "timestamp");
      return this;
    }

    /**
     * Sets the source; without it the publishing bus's default source is used.
     *
     * @param source the source
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<T> source(String source) {
      this.source = Settings.setOnce(this.source, source, "source");
      return this;
    }

    /**
     * Sets the metadata.
     *
     * @param metadata the metadata
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<T> metadata(Metadata metadata) {
      this.metadata = Settings.setOnce(this.metadata, metadata, "metadata");
      return this;
    }

    /**
     * Builds the envelope.
     *
     * @return the envelope
     * @throws IllegalStateException if {@code id} or {@code timestamp} was not set
     */
    public Event<T> build() {
      if (id == null) {
        throw new IllegalStateException(
            "id is required; to have the bus assign one, publish the payload itself");
      }
      if (timestamp == null) {
        throw new IllegalStateException(
            "timestamp is required; to have the bus stamp one, publish the payload itself");
      }
      Metadata meta = metadata == null ? Metadata.empty() : metadata;
      String src = source != null ? source : meta.source().orElse("");
      return new Event<>(0, 0, id, TypeNames.of(payload), timestamp, src, payload, meta);
    }
  }
}
