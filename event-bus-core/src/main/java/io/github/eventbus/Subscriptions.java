package io.github.eventbus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The bus's subscription bookkeeping: adds and removes {@link Subscriber}s, keeps the current
 * {@link Registry} snapshot that publishers read, and the subscribers of each registered listener.
 */
final class Subscriptions {

  private final Lifecycle lifecycle;
  private final InFlight inFlight;
  private final Function<Subscriber, Mailbox> mailboxes;
  private final Consumer<Subscriber> discardRetries;
  private final Object lock = new Object();
  private final Map<Object, List<Subscriber>> listeners = new IdentityHashMap<>(); // under lock
  private long nextSequence; // under lock
  private volatile Registry registry;
  // Closed subscriptions whose handler may still run, maybe for ever: out of the registry, but
  // what is queued behind that handler is still the bus's to account for at close.
  private final Set<Subscriber> closing = ConcurrentHashMap.newKeySet();

  Subscriptions(Lifecycle lifecycle, InFlight inFlight, MetricsRegistry metrics,
      Function<Subscriber, Mailbox> mailboxes, Consumer<Subscriber> discardRetries) {
    this.lifecycle = lifecycle;
    this.inFlight = inFlight;
    this.mailboxes = mailboxes;
    this.discardRetries = discardRetries;
    this.registry = Registry.empty(metrics);
  }

  /** The current snapshot; publishers read it once per publish. */
  Registry registry() {
    return registry;
  }

  boolean isOpen() {
    return lifecycle.isRunning();
  }

  Subscriber add(SubscriptionSpec spec) {
    synchronized (lock) {
      lifecycle.ensureOpen();
      long sequence = ++nextSequence;
      String label = spec.name() != null ? spec.name() : spec.subscribedTo() + "#" + sequence;
      Subscriber s = new Subscriber(this, sequence, label, spec, mailboxes);
      registry = registry.with(s);
      if (spec.listener() != null) {
        listeners.computeIfAbsent(spec.listener(), l -> new ArrayList<>()).add(s);
      }
      return s;
    }
  }

  /** Stops deliveries to {@code s}, then waits for those under way on other threads. */
  void unsubscribe(Subscriber s) {
    boolean closedNow = false;
    synchronized (lock) {
      if (s.active) {
        if (s.mailbox != null) {
          closing.add(s); // before leaving the registry: a closing bus finds it in one of the two
        }
        s.active = false;
        registry = registry.without(s);
        closedNow = true;
      }
    }
    if (closedNow) {
      discardRetries.accept(s); // after active turned false, so that each is counted discarded
    }
    if (!inFlight.isDelivering()) {
      inFlight.awaitIdle(s); // from a handler, a wait could close a cycle of handlers waiting
    }
    // Kept until no handler of theirs runs and nothing is queued (checked here and after each
    // run of their mailbox): what a worker takes from a closed subscription's queue later is
    // skipped, never stuck in a handler. Called from a handler, close() returns at once while
    // that handler may still block.
    closing.removeIf(this::settled);
  }

  /** Stops keeping a closed subscription once nothing of it runs or waits. */
  void forgetIfSettled(Subscriber s) {
    if (closing.contains(s) && settled(s)) {
      closing.remove(s);
    }
  }

  private boolean settled(Subscriber s) {
    return inFlight.isIdle(s) && s.mailbox.isSettled();
  }

  /**
   * The subscriptions a closing bus must account for: those in the registry and those closed
   * but not yet settled (a handler of theirs may still run, ignoring interrupts).
   */
  List<Subscriber> withClosing() {
    List<Subscriber> all = new ArrayList<>(registry.all());
    all.addAll(closing);
    return all;
  }

  /** Adds all of a listener's subscriptions at once, or none. */
  void register(Object listener, List<SubscriptionSpec> specs) {
    synchronized (lock) {
      lifecycle.ensureOpen();
      if (listeners.containsKey(listener)) {
        throw new IllegalArgumentException("listener " + describe(listener)
            + " is already registered; unregister it first");
      }
      for (SubscriptionSpec spec : specs) {
        add(spec);
      }
    }
  }

  void unregister(Object listener) {
    List<Subscriber> subs;
    synchronized (lock) {
      subs = listeners.remove(listener);
    }
    if (subs == null) {
      throw new IllegalArgumentException("listener " + describe(listener) + " is not registered");
    }
    subs.forEach(Subscriber::close);
  }

  /** Subscription counts by what they subscribe to. */
  Map<String, Integer> counts() {
    Map<String, Integer> counts = new TreeMap<>();
    for (Subscriber s : registry.all()) {
      if (s.isActive()) { // after the bus's close(), none is
        counts.merge(s.subscribedTo(), 1, Integer::sum);
      }
    }
    return Collections.unmodifiableMap(counts);
  }

  private static String describe(Object listener) {
    return listener.getClass().getName() + "@"
        + Integer.toHexString(System.identityHashCode(listener));
  }
}
