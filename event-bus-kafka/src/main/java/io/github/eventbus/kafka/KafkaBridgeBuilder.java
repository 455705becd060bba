package io.github.eventbus.kafka;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.EventBus;
import io.github.eventbus.TypePattern;
import io.github.eventbus.audit.AuditFormat;
import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.LoggerFactory;

/**
 * Configures a {@link KafkaBridge}. Each option may be set once ({@link #produce} and the client
 * properties once per pattern or key); {@link #bootstrapServers} is required, and so is at least
 * one of {@link #produce} and {@link #consume}, and {@link #groupId} with {@code consume}.
 *
 * <p><b>Thread-safety:</b> not thread-safe; {@link #build()} copies the options.
 */
public final class KafkaBridgeBuilder {

  /** Client properties the bridge owns: setting them would break its guarantees. */
  private static final Set<String> OWNED = Set.of(
      ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
      ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
      ProducerConfig.ACKS_CONFIG, ProducerConfig.TRANSACTIONAL_ID_CONFIG,
      ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
      ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
      ConsumerConfig.GROUP_ID_CONFIG);

  private final EventBus bus;
  private final List<Outbound.Route> routes = new ArrayList<>();
  private final Map<String, Object> producerProperties = new HashMap<>();
  private final Map<String, Object> consumerProperties = new HashMap<>();
  private String bootstrapServers;
  private String name;
  private String instanceId;
  private AuditFormat format;
  private RecordKey key;
  private List<String> topics;
  private String groupId;
  private Boolean synchronous;
  private Duration dedupeWindow;
  private Integer dedupeCapacity;
  private Duration pollTimeout;
  private Duration pauseBackoff;
  private Duration closeTimeout;
  private Clock clock;
  private ThreadFactory threadFactory;

  KafkaBridgeBuilder(EventBus bus) {
    this.bus = bus;
  }

  /**
   * Sets the Kafka cluster to connect to. Required.
   *
   * @param servers {@code host:port} pairs separated by commas
   * @return this builder
   * @throws IllegalArgumentException if blank
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder bootstrapServers(String servers) {
    this.bootstrapServers = Settings.setOnce(bootstrapServers, nonBlank(servers, "bootstrapServers"),
        "bootstrapServers");
    return this;
  }

  /**
   * Sets the name used in thread names and Kafka client ids; default the bus's name.
   *
   * @param name the name
   * @return this builder
   * @throws IllegalArgumentException if blank
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder name(String name) {
    this.name = Settings.setOnce(this.name, nonBlank(name, "name"), "name");
    return this;
  }

  /**
   * Sets the id written into the {@link BridgeHeaders#BRIDGE} header; default a random UUID. Give
   * each running process its own, and keep it across restarts if the bridge consumes a topic it
   * produces to: the records produced just before a restart (what close() sends last) are read
   * back after it, and with a new id they are another process's, published onto the bus again.
   *
   * @param id the id
   * @return this builder
   * @throws IllegalArgumentException if blank
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder instanceId(String id) {
    this.instanceId = Settings.setOnce(instanceId, nonBlank(id, "instanceId"), "instanceId");
    return this;
  }

  /**
   * Sets the format of record values; default {@link AuditFormat#standard()}. Register event
   * classes with it to receive typed events; other types arrive as
   * {@link io.github.eventbus.DynamicEvent}s.
   *
   * @param format the format
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder format(AuditFormat format) {
    this.format = Settings.setOnce(this.format, format, "format");
    return this;
  }

  /**
   * Produces the events whose type name matches a pattern to a topic. Call once per pattern; give
   * several patterns one topic to have one topic for all (the type travels in a header), or each
   * its own. An event matching two patterns of one topic is produced once. A pattern goes to one
   * topic; to send one type to two topics, give two patterns that both match it.
   *
   * @param pattern a type name or wildcard pattern, see {@link TypePattern}
   * @param topic the topic
   * @return this builder
   * @throws IllegalArgumentException if the pattern is malformed or the topic blank
   * @throws IllegalStateException if the pattern was given already
   */
  public KafkaBridgeBuilder produce(String pattern, String topic) {
    TypePattern compiled = TypePattern.compile(requireNonNull(pattern, "pattern"));
    nonBlank(topic, "topic");
    if (routes.stream().anyMatch(r -> r.pattern().equals(compiled))) {
      throw new IllegalStateException("produce pattern " + pattern + " was already set");
    }
    routes.add(new Outbound.Route(compiled, topic));
    return this;
  }

  /**
   * Sets how records are keyed; default {@link RecordKey#correlationId()}.
   *
   * @param key the strategy
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder key(RecordKey key) {
    this.key = Settings.setOnce(this.key, key, "key");
    return this;
  }

  /**
   * Consumes topics and publishes their events onto the bus; requires {@link #groupId}.
   *
   * @param topics the topics
   * @return this builder
   * @throws IllegalArgumentException if no topic is given or one is blank
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder consume(String... topics) {
    requireNonNull(topics, "topics");
    if (topics.length == 0) {
      throw new IllegalArgumentException("consume needs at least one topic");
    }
    for (String t : topics) {
      nonBlank(t, "topic");
    }
    this.topics = Settings.setOnce(this.topics, List.of(topics), "consume");
    return this;
  }

  /**
   * Sets the consumer group; processes of one group share the topics' partitions, processes of
   * different groups each receive every event.
   *
   * @param groupId the group id
   * @return this builder
   * @throws IllegalArgumentException if blank
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder groupId(String groupId) {
    this.groupId = Settings.setOnce(this.groupId, nonBlank(groupId, "groupId"), "groupId");
    return this;
  }

  /**
   * Publishes received events with {@code publishSync}, so that an offset is committed only after
   * every handler returned; default {@code false} ({@code publish}: committed once the bus
   * accepted the event into its queue).
   *
   * @param on whether to deliver synchronously
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder synchronousDelivery(boolean on) {
    this.synchronous = Settings.setOnce(synchronous, on, "synchronousDelivery");
    return this;
  }

  /**
   * Sets how long an accepted event id is remembered to skip its redelivery; default 10 minutes.
   *
   * @param window the window
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder dedupeWindow(Duration window) {
    this.dedupeWindow = Settings.setOnce(dedupeWindow, Settings.positive(window, "dedupeWindow"),
        "dedupeWindow");
    return this;
  }

  /**
   * Sets how many event ids are remembered at most (the oldest are forgotten first); default
   * 100,000.
   *
   * @param ids the number of ids
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder dedupeCapacity(int ids) {
    this.dedupeCapacity = Settings.setOnce(dedupeCapacity, Settings.positive(ids, "dedupeCapacity"),
        "dedupeCapacity");
    return this;
  }

  /**
   * Sets how long one poll waits for records; default 500 ms. Bounds how long a close waits for
   * the consumer thread when no records arrive.
   *
   * @param timeout the timeout
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder pollTimeout(Duration timeout) {
    this.pollTimeout = Settings.setOnce(pollTimeout, Settings.positive(timeout, "pollTimeout"),
        "pollTimeout");
    return this;
  }

  /**
   * Sets how long a partition stays paused after the bus refused an event; it doubles while the
   * bus keeps refusing, up to 50 times this, and starts again after an accepted event. Default
   * 50 ms.
   *
   * @param backoff the first pause
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder pauseBackoff(Duration backoff) {
    this.pauseBackoff = Settings.setOnce(pauseBackoff, Settings.positive(backoff, "pauseBackoff"),
        "pauseBackoff");
    return this;
  }

  /**
   * Sets how long {@link KafkaBridge#close()} waits for the consumer thread and for sends in
   * flight, and the bound of the consumer's last commit and close together. With the broker
   * gone, a close takes about twice this (once for the consumer, once for the producer's
   * backlog) and a second; up to about four times and a second, if a handler also holds the
   * consumer thread past it, and once more if a DeadLetter handler holds the dead-letter thread.
   * Default 30 seconds.
   *
   * @param timeout the timeout
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder closeTimeout(Duration timeout) {
    this.closeTimeout = Settings.setOnce(closeTimeout, Settings.positive(timeout, "closeTimeout"),
        "closeTimeout");
    return this;
  }

  /**
   * Sets the clock for the de-duplication window, pause backoffs and log rate limits; default the
   * system clock in UTC.
   *
   * @param clock the clock
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder clock(Clock clock) {
    this.clock = Settings.setOnce(this.clock, clock, "clock");
    return this;
  }

  /**
   * Sets the factory of the bridge's two threads (consumer and dead letters); default daemon
   * threads named {@code eventbus-kafka-<name>-in} and {@code eventbus-kafka-<name>-dead-letters}.
   *
   * @param factory the factory
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public KafkaBridgeBuilder threadFactory(ThreadFactory factory) {
    this.threadFactory = Settings.setOnce(threadFactory, factory, "threadFactory");
    return this;
  }

  /**
   * Sets a property of the Kafka producer, such as {@code max.request.size},
   * {@code delivery.timeout.ms} or security settings. The bridge owns bootstrap servers,
   * serializers, {@code enable.idempotence} (true), {@code acks} (all) and
   * {@code transactional.id} (none: the bridge does not send in transactions).
   *
   * @param property the property name
   * @param value its value
   * @return this builder
   * @throws IllegalArgumentException if the bridge owns the property
   * @throws IllegalStateException if the property was set already
   */
  public KafkaBridgeBuilder producerProperty(String property, Object value) {
    put(producerProperties, property, value, "producerProperty");
    return this;
  }

  /**
   * Sets a property of the Kafka consumer, such as {@code auto.offset.reset} (default
   * {@code earliest}), {@code max.poll.records} or security settings. The bridge owns bootstrap
   * servers, deserializers, {@code group.id} and {@code enable.auto.commit} (false).
   *
   * @param property the property name
   * @param value its value
   * @return this builder
   * @throws IllegalArgumentException if the bridge owns the property
   * @throws IllegalStateException if the property was set already
   */
  public KafkaBridgeBuilder consumerProperty(String property, Object value) {
    put(consumerProperties, property, value, "consumerProperty");
    return this;
  }

  /**
   * Builds and starts the bridge: subscribes the outbound patterns and starts the consumer.
   *
   * @return the running bridge
   * @throws IllegalStateException if a required option is missing
   * @throws KafkaBridgeException if the Kafka clients cannot be created from the configuration,
   *     or the thread factory fails to make the consumer thread (throws, or returns null)
   */
  public KafkaBridge build() {
    if (bootstrapServers == null) {
      throw new IllegalStateException("bootstrapServers is required");
    }
    if (routes.isEmpty() && topics == null) {
      throw new IllegalStateException("nothing to bridge: call produce(...), consume(...) or both");
    }
    if (topics != null && groupId == null) {
      throw new IllegalStateException("groupId is required with consume(...)");
    }
    if (groupId != null && topics == null) {
      throw new IllegalStateException("groupId is set but consume(...) is not");
    }
    String bridgeName = name != null ? name : bus.name();
    String id = instanceId != null ? instanceId : UUID.randomUUID().toString();
    Clock time = clock != null ? clock : Clock.systemUTC();
    Duration closeWait = closeTimeout != null ? closeTimeout : Duration.ofSeconds(30);
    Counters counters = new Counters();
    RateLimitedLog failures = new RateLimitedLog(LoggerFactory.getLogger(KafkaBridge.class), time,
        RateLimitedLog.INTERVAL);
    RecordCodec codec = new RecordCodec(format != null ? format : AuditFormat.standard(),
        key != null ? key : RecordKey.correlationId(), id);
    DeadLetters deadLetters = new DeadLetters(bus, counters, failures,
        checked(threadFactory != null ? threadFactory : named(bridgeName, "dead-letters"),
            "dead-letter"));
    Outbound outbound = null;
    Inbound inbound = null;
    try {
      if (!routes.isEmpty()) {
        outbound = new Outbound(bus, List.copyOf(routes), producerConfig(bridgeName), codec,
            deadLetters, counters, failures);
      }
      if (topics != null) {
        Duration backoff = pauseBackoff != null ? pauseBackoff : Duration.ofMillis(50);
        Inbound.Options options = new Inbound.Options(topics, Boolean.TRUE.equals(synchronous),
            pollTimeout != null ? pollTimeout : Duration.ofMillis(500), backoff,
            backoff.multipliedBy(50),
            Settings.millis(dedupeWindow != null ? dedupeWindow : Duration.ofMinutes(10)),
            dedupeCapacity != null ? dedupeCapacity : 100_000, closeWait);
        inbound = new Inbound(bus, consumerConfig(bridgeName), codec, options, time, counters,
            deadLetters, failures,
            checked(threadFactory != null ? threadFactory : named(bridgeName, "in"), "consumer"),
            groupId);
        inbound.start();
      }
    } catch (RuntimeException | Error e) { // whatever failed, nothing made so far outlives it
      Outbound out = outbound;
      closeQuietly(e, out == null ? null : () -> out.close(Duration.ZERO));
      closeQuietly(e, inbound == null ? null : inbound::discard);
      closeQuietly(e, deadLetters::close);
      if (e instanceof org.apache.kafka.common.KafkaException) {
        throw new KafkaBridgeException("cannot create the Kafka clients of bridge " + bridgeName
            + ": " + withoutValues(e.getMessage()), withoutValues(e));
      }
      throw e;
    }
    return new KafkaBridge(bridgeName, id, outbound, inbound, deadLetters, counters, closeWait);
  }

  /**
   * Kafka's message for a refused setting quotes the value ("Invalid value 4711 for configuration
   * ssl.key.password: ..."), which may be a secret given as the wrong type: it is left out.
   */
  private static String withoutValues(String message) {
    if (message == null) {
      return null;
    }
    java.util.regex.Matcher m = REFUSED.matcher(message);
    if (!m.find()) {
      return message;
    }
    // The reason may quote the value again ("Class hunter2 could not be found").
    String value = m.group(2);
    String reason = m.group(4) == null ? "" : ": " + m.group(4).replace(value, "<value>");
    return m.group(1) + "Invalid value for configuration " + m.group(3) + reason;
  }

  private static final java.util.regex.Pattern REFUSED = java.util.regex.Pattern.compile(
      "(?s)^(.*?)Invalid value (.*) for configuration (\\S+?)(?:: (.*))?$");

  /**
   * The failure, or, if a refused setting is in its causes, a copy of that one with the value
   * left out (a log prints causes with the stack trace).
   */
  private static Throwable withoutValues(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof org.apache.kafka.common.config.ConfigException refused) {
        var copy = new org.apache.kafka.common.config.ConfigException(
            withoutValues(refused.getMessage()));
        copy.setStackTrace(refused.getStackTrace());
        return copy;
      }
    }
    return failure;
  }

  /** Runs a clean-up after a failed build; what it throws rides along with {@code failure}. */
  private static void closeQuietly(Throwable failure, Runnable close) {
    if (close == null) {
      return;
    }
    try {
      close.run();
    } catch (RuntimeException | Error e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * The factory's threads, or a {@link KafkaBridgeException} that says which thread it failed to
   * make (it threw, or returned none): at build for the consumer thread, when first needed for
   * the dead-letter thread (whose failure is then logged).
   */
  private static ThreadFactory checked(ThreadFactory factory, String role) {
    return task -> {
      Thread thread;
      try {
        thread = factory.newThread(task);
      } catch (RuntimeException e) {
        throw new KafkaBridgeException("the threadFactory failed to make the bridge's " + role
            + " thread: " + e, e);
      }
      if (thread == null) {
        throw new KafkaBridgeException("the threadFactory made no " + role + " thread");
      }
      return thread;
    };
  }

  private Map<String, Object> producerConfig(String bridgeName) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "eventbus-" + bridgeName + "-out");
    config.putAll(producerProperties);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    return config;
  }

  private Map<String, Object> consumerConfig(String bridgeName) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "eventbus-" + bridgeName + "-in");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.putAll(consumerProperties);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return config;
  }

  private static ThreadFactory named(String bridgeName, String role) {
    return task -> {
      Thread t = new Thread(task, "eventbus-kafka-" + bridgeName + "-" + role);
      t.setDaemon(true);
      return t;
    };
  }

  private static void put(Map<String, Object> properties, String property, Object value,
      String option) {
    nonBlank(property, option + " name");
    requireNonNull(value, option + " " + property);
    if (OWNED.contains(property.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(option + " " + property
          + " is set by the bridge itself and cannot be changed");
    }
    if (properties.putIfAbsent(property, value) != null) {
      throw new IllegalStateException(option + " " + property + " was already set");
    }
  }

  private static String nonBlank(String value, String option) {
    requireNonNull(value, option);
    if (value.isBlank()) {
      throw new IllegalArgumentException(option + " must not be blank");
    }
    return value;
  }
}
