package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.audit.AuditLog;
import io.github.eventbus.internal.Settings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * Configures and builds an {@link EventBus}; obtained from {@link EventBus#builder()}.
 *
 * <pre>{@code
 * EventBus bus = EventBus.builder()
 *     .name("orders")
 *     .workers(4)
 *     .queueCapacity(10_000)
 *     .backpressure(BackpressurePolicy.BLOCK)
 *     .blockTimeout(Duration.ofSeconds(2))
 *     .build();
 * }</pre>
 *
 * <table>
 *   <caption>Options and defaults</caption>
 *   <tr><th>option</th><th>default</th></tr>
 *   <tr><td>{@link #name}</td><td>{@code event-bus}</td></tr>
 *   <tr><td>{@link #source}</td><td>the name</td></tr>
 *   <tr><td>{@link #clock}</td><td>{@link Clock#systemUTC()}</td></tr>
 *   <tr><td>{@link #workers} / {@link #executor}</td><td>as many workers as processors, 1 to 4</td></tr>
 *   <tr><td>{@link #queueCapacity}</td><td>65,536 pending deliveries</td></tr>
 *   <tr><td>{@link #backpressure} / {@link #blockTimeout}</td><td>{@code BLOCK}, no timeout</td></tr>
 *   <tr><td>{@link #scheduler}</td><td>one thread of the bus's own, started at the first retry</td></tr>
 *   <tr><td>{@link #jitterSource}</td><td>{@link ThreadLocalRandom}</td></tr>
 *   <tr><td>{@link #exceptionHandler}</td><td>logs at WARN, without the payload</td></tr>
 *   <tr><td>{@link #drainTimeout}</td><td>30 seconds</td></tr>
 *   <tr><td>{@link #latencySampling}</td><td>one in 64</td></tr>
 *   <tr><td>{@link #maxTrackedTypes}</td><td>1,024</td></tr>
 *   <tr><td>{@link #auditLog(Path)}</td><td>none</td></tr>
 *   <tr><td>{@link #interceptor}, {@link #contextPropagator}</td><td>none</td></tr>
 *   <tr><td>{@link #propagateMdc}</td><td>on</td></tr>
 * </table>
 *
 * <p><b>Thread-safety:</b> not thread-safe. Each option may be set once ({@link #interceptor} and
 * {@link #contextPropagator} add one more each time), and a wrong value fails at once with a
 * message naming the option; {@link #workers} with {@link #executor} fails at the second call, and
 * a {@link #blockTimeout} with a policy that never blocks at {@link #build()}.
 * {@link #build()} copies the options, so the builder may build several buses.
 */
public final class EventBusBuilder {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private String name;
  private String source;
  private Clock clock;
  private Integer workers;
  private Executor executor;
  private Integer queueCapacity;
  private BackpressurePolicy backpressure;
  private Duration blockTimeout;
  private ScheduledExecutorService scheduler;
  private DoubleSupplier jitterSource;
  private SubscriberExceptionHandler exceptionHandler;
  private Duration drainTimeout;
  private Integer latencySampling;
  private Integer maxTrackedTypes;
  private final java.util.List<EventInterceptor> interceptors = new java.util.ArrayList<>();
  private final java.util.List<ContextPropagator> propagators = new java.util.ArrayList<>();
  private Boolean propagateMdc;
  private Path auditDirectory;
  private AuditLog auditLog;
  private ReentrantDispatch reentrantDispatch;
  private Boolean closeOnShutdown;

  EventBusBuilder() {}

  /**
   * Names the bus; the name prefixes its thread names and appears in logs and errors.
   *
   * @param name 1 to 64 letters, digits, '.', '_' or '-'
   * @return this builder
   * @throws IllegalArgumentException if the name has other characters or length
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder name(String name) {
    requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name must be 1 to 64 letters, digits, '.', '_' or '-',"
          + " but was \"" + name + "\"");
    }
    this.name = Settings.setOnce(this.name, name, "name");
    return this;
  }

  /**
   * Sets the source recorded in envelopes whose publisher gives none.
   *
   * @param source a non-blank source, such as the application's name
   * @return this builder
   * @throws IllegalArgumentException if blank
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder source(String source) {
    requireNonNull(source, "source");
    if (source.isBlank()) {
      throw new IllegalArgumentException("source must not be blank");
    }
    this.source = Settings.setOnce(this.source, source, "source");
    return this;
  }

  /**
   * Sets the clock of envelope timestamps, ids and retry timing. It also picks the daily file of
   * an audit log the bus builds from {@link #auditLog(Path)}: the day is this clock's date in the
   * clock's zone. An {@link AuditLog} given to {@link #auditLog(AuditLog)} keeps its own clock.
   *
   * @param clock the clock
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder clock(Clock clock) {
    this.clock = Settings.setOnce(this.clock, clock, "clock");
    return this;
  }

  /**
   * Sets how many worker threads the bus creates for asynchronous delivery. They are named
   * {@code <name>-worker-<n>}, are daemon threads, start at the first asynchronous publish or at
   * {@link EventBus#start()}, and stop at {@link EventBus#close()}.
   *
   * @param workers at least 1
   * @return this builder
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set, or if {@link #executor} was set
   */
  public EventBusBuilder workers(int workers) {
    if (executor != null) {
      throw new IllegalStateException("workers cannot be combined with executor: the bus either"
          + " owns its workers or uses yours");
    }
    this.workers = Settings.setOnce(this.workers, Settings.positive(workers, "workers"), "workers");
    return this;
  }

  /**
   * Delivers asynchronous events on your executor instead of the bus's own workers. The bus never
   * shuts it down. Per-subscriber ordering still holds: the bus submits one task per subscriber
   * queue at a time. If the executor refuses to start a queue while the bus is open (throws
   * anything from {@code execute} without running the task, such as a pool that cannot make a
   * thread; an executor that runs it inline hands a handler's Error on to the publisher), its
   * deliveries are reported {@link DeliveryStatus#UNDELIVERED} (the dead letters say the executor
   * refused; a rate-limited warning is logged); a queue that is running and would hand itself back
   * after a batch goes on on its thread instead. The executor must run every task it accepts: one
   * that accepts a task and drops it ({@code ThreadPoolExecutor.DiscardPolicy}, say) stalls that
   * subscriber's queue, with no error to see, until {@link EventBus#close()} reports what is
   * still queued as undelivered.
   *
   * @param executor the executor
   * @return this builder
   * @throws IllegalStateException if already set, or if {@link #workers} was set
   */
  public EventBusBuilder executor(Executor executor) {
    if (workers != null) {
      throw new IllegalStateException("executor cannot be combined with workers: the bus either"
          + " owns its workers or uses yours");
    }
    this.executor = Settings.setOnce(this.executor, executor, "executor");
    return this;
  }

  /**
   * Bounds the asynchronous queue, counted in pending deliveries (one per subscriber per event).
   * A delivery counts until its handler returns, so the one running is in the count: with a
   * capacity of 1, a publish waits (or is refused) while a handler runs.
   *
   * @param capacity at least 1
   * @return this builder
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder queueCapacity(int capacity) {
    this.queueCapacity = Settings.setOnce(this.queueCapacity,
        Settings.positive(capacity, "queueCapacity"), "queueCapacity");
    return this;
  }

  /**
   * Chooses what {@link EventBus#publish(Object)} does when the queue is full.
   *
   * @param policy the policy
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder backpressure(BackpressurePolicy policy) {
    this.backpressure = Settings.setOnce(this.backpressure, policy, "backpressure");
    return this;
  }

  /**
   * Limits how long a publisher waits for room under {@link BackpressurePolicy#BLOCK} or
   * {@link BackpressurePolicy#CALLER_RUNS}; after it, the publish throws
   * {@link RejectedEventException}.
   *
   * @param timeout a positive duration
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder blockTimeout(Duration timeout) {
    this.blockTimeout = Settings.setOnce(this.blockTimeout,
        Settings.positive(timeout, "blockTimeout"), "blockTimeout");
    return this;
  }

  /**
   * Waits for retries on your scheduler instead of a thread of the bus's own. The bus never shuts
   * it down. Tests pass a manual scheduler to drive retries without waiting. A retry it refuses
   * or throws on is given up as a dead letter; what it throws follows the failure rule (see the
   * package guide): an exception is logged, an {@code Error} thrown once the delivery is complete.
   *
   * @param scheduler the scheduler
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder scheduler(ScheduledExecutorService scheduler) {
    this.scheduler = Settings.setOnce(this.scheduler, scheduler, "scheduler");
    return this;
  }

  /**
   * Sets where retry jitter comes from: a thread-safe supplier of numbers in {@code [0, 1]}.
   *
   * @param source the source
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder jitterSource(DoubleSupplier source) {
    this.jitterSource = Settings.setOnce(this.jitterSource, source, "jitterSource");
    return this;
  }

  /**
   * Receives every handler exception instead of the default WARN log.
   *
   * @param handler a thread-safe handler
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder exceptionHandler(SubscriberExceptionHandler handler) {
    this.exceptionHandler = Settings.setOnce(this.exceptionHandler, handler, "exceptionHandler");
    return this;
  }

  /**
   * Limits how long {@link EventBus#close()} waits for queued deliveries and pending retries.
   *
   * @param timeout zero or more
   * @return this builder
   * @throws IllegalArgumentException if negative
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder drainTimeout(Duration timeout) {
    this.drainTimeout = Settings.setOnce(this.drainTimeout,
        Settings.nonNegative(timeout, "drainTimeout"), "drainTimeout");
    return this;
  }

  /**
   * Sets how often a delivery is timed for {@link HandlerLatency}: a synchronous publish is timed
   * for all its subscribers at once, one publish in {@code interval} of each event type
   * (consecutive handlers share a clock read); a queued delivery one in {@code interval} per
   * subscription. 1 times every delivery, at the cost of two clock reads each.
   *
   * @param interval at least 1
   * @return this builder
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder latencySampling(int interval) {
    this.latencySampling = Settings.setOnce(this.latencySampling,
        Settings.positive(interval, "latencySampling"), "latencySampling");
    return this;
  }

  /**
   * Bounds how many type names get counters of their own in {@link EventBus#metrics()}; events of
   * further names are counted under {@code "(other)"}. The bus's own {@code bus.dead_letter} and
   * {@code bus.dead_event} are listed on their own whatever the bound.
   *
   * @param max at least 1
   * @return this builder
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder maxTrackedTypes(int max) {
    this.maxTrackedTypes = Settings.setOnce(this.maxTrackedTypes,
        Settings.positive(max, "maxTrackedTypes"), "maxTrackedTypes");
    return this;
  }

  /**
   * Adds an interceptor; interceptors run in the order they are added. May be called several
   * times (unlike the other options, which are set once).
   *
   * @param interceptor the interceptor
   * @return this builder
   */
  public EventBusBuilder interceptor(EventInterceptor interceptor) {
    interceptors.add(requireNonNull(interceptor, "interceptor"));
    return this;
  }

  /**
   * Adds a context propagator, after the MDC's if that is on. May be called several times.
   *
   * @param propagator the propagator
   * @return this builder
   */
  public EventBusBuilder contextPropagator(ContextPropagator propagator) {
    propagators.add(requireNonNull(propagator, "propagator"));
    return this;
  }

  /**
   * Carries SLF4J's MDC from publisher to handler (see {@link ContextPropagator#mdc()}) and puts
   * the envelope's correlation id in the MDC under {@code correlation_id} while a handler runs, so
   * that its log lines carry it. On by default; off saves a map copy per asynchronous publish.
   *
   * @param on whether to propagate
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder propagateMdc(boolean on) {
    this.propagateMdc = Settings.setOnce(this.propagateMdc, on, "propagateMdc");
    return this;
  }

  /**
   * Chooses what a handler's {@link EventBus#publishSync} does on the delivering thread:
   * {@link ReentrantDispatch#IMMEDIATE} (the default) delivers the inner event at once,
   * {@link ReentrantDispatch#QUEUED} queues it behind the current event, as Guava's
   * {@code EventBus} does.
   *
   * @param mode the mode
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder reentrantDispatch(ReentrantDispatch mode) {
    this.reentrantDispatch = Settings.setOnce(this.reentrantDispatch, mode, "reentrantDispatch");
    return this;
  }

  /**
   * Closes the bus from a JVM shutdown hook (a thread named {@code <name>-shutdown}), so that
   * queued events are delivered, or reported, when the application exits without closing it. The
   * bus's workers are daemon threads: without this, or an explicit {@link EventBus#close()}, work
   * still queued at exit is lost. Closing the bus removes the hook.
   *
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public EventBusBuilder closeOnShutdown() {
    this.closeOnShutdown = Settings.setOnce(this.closeOnShutdown, true, "closeOnShutdown");
    return this;
  }

  /**
   * Logs every published event to daily JSON Lines files {@code events_YYYYMMDD.jsonl} in a
   * directory, with the defaults of {@link AuditLog#open(Path)} except the clock: the bus's
   * {@link #clock} (and its zone) picks each day's file. The bus owns this log: it opens it in
   * {@link #build()} and closes it when the bus closes. One live bus per directory: building a
   * second from this builder before the first is closed fails.
   *
   * @param directory the directory, created if needed
   * @return this builder
   * @throws IllegalStateException if an audit log was already set
   */
  public EventBusBuilder auditLog(Path directory) {
    if (auditLog != null) {
      throw new IllegalStateException("an AuditLog object was already set; set one audit log");
    }
    this.auditDirectory = Settings.setOnce(this.auditDirectory, directory, "auditLog");
    return this;
  }

  /**
   * Logs published events to an audit log you configured (type filter, durability, synchronous
   * acknowledgement, size limit). Events are handed to the log when the bus accepts them, before
   * delivery; without acknowledgement the log's thread writes them after.
   * The bus does not close a log given here: close it after the bus.
   *
   * @param log the log
   * @return this builder
   * @throws IllegalStateException if an audit log was already set
   */
  public EventBusBuilder auditLog(AuditLog log) {
    if (auditDirectory != null) {
      throw new IllegalStateException("an audit log directory was already set; set one audit log");
    }
    this.auditLog = Settings.setOnce(this.auditLog, log, "auditLog");
    return this;
  }

  /**
   * Builds a running bus.
   *
   * @return the bus
   * @throws IllegalStateException if {@code blockTimeout} is set with a policy that never blocks,
   *     or another writer in this process writes the {@link #auditLog(Path)} directory's files (a
   *     second bus built from this builder, say), until its thread has ended
   * @throws IllegalArgumentException if the {@link #auditLog(Path)} directory, or a directory
   *     above it, exists and is not a directory
   */
  public EventBus build() {
    BackpressurePolicy policy = backpressure != null ? backpressure : BackpressurePolicy.BLOCK;
    if (blockTimeout != null
        && policy != BackpressurePolicy.BLOCK && policy != BackpressurePolicy.CALLER_RUNS) {
      throw new IllegalStateException("blockTimeout applies only to BLOCK and CALLER_RUNS, but"
          + " backpressure is " + policy + "; remove blockTimeout or change the policy");
    }
    String busName = name != null ? name : "event-bus";
    Clock busClock = clock != null ? clock : Clock.systemUTC();
    AuditLog owned = auditLog == null && auditDirectory != null
        ? AuditLog.builder(auditDirectory).clock(busClock).build() : null;
    try {
      return bus(policy, busName, busClock, owned);
    } catch (RuntimeException | Error e) {
      if (owned != null) {
        owned.close(); // its thread, and its claim on the directory's files, end with the build
      }
      throw e;
    }
  }

  private EventBus bus(BackpressurePolicy policy, String busName, Clock busClock, AuditLog owned) {
    return new DefaultEventBus(new Config(
        busName,
        source != null ? source : busName,
        busClock,
        workers != null ? workers : Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())),
        executor,
        queueCapacity != null ? queueCapacity : 65_536,
        policy,
        blockTimeout,
        scheduler,
        jitterSource != null ? jitterSource : () -> ThreadLocalRandom.current().nextDouble(),
        exceptionHandler,
        drainTimeout != null ? drainTimeout : Duration.ofSeconds(30),
        latencySampling != null ? latencySampling : 64,
        maxTrackedTypes != null ? maxTrackedTypes : 1024,
        auditLog != null ? auditLog : owned,
        auditDirectory != null,
        java.util.List.copyOf(interceptors),
        propagators(),
        propagateMdc == null || propagateMdc,
        reentrantDispatch != null ? reentrantDispatch : ReentrantDispatch.IMMEDIATE,
        closeOnShutdown != null));
  }

  /** The options, copied at build time. */
  record Config(
      String name,
      String source,
      Clock clock,
      int workers,
      Executor executor,
      int queueCapacity,
      BackpressurePolicy backpressure,
      Duration blockTimeout,
      ScheduledExecutorService scheduler,
      DoubleSupplier jitterSource,
      SubscriberExceptionHandler exceptionHandler,
      Duration drainTimeout,
      int latencySampling,
      int maxTrackedTypes,
      AuditLog auditLog,
      boolean ownsAuditLog,
      java.util.List<EventInterceptor> interceptors,
      java.util.List<ContextPropagator> propagators,
      boolean correlationInMdc,
      ReentrantDispatch reentrantDispatch,
      boolean closeOnShutdown) {}

  private java.util.List<ContextPropagator> propagators() {
    java.util.List<ContextPropagator> all = new java.util.ArrayList<>();
    if (propagateMdc == null || propagateMdc) {
      all.add(ContextPropagator.mdc());
    }
    all.addAll(propagators);
    return java.util.List.copyOf(all);
  }
}
