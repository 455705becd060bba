package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import com.google.common.cache.CacheBuilder;
import io.github.eventbus.DeadEvent;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Subscription;
import io.github.eventbus.TypePattern;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards events from a bus to webhook endpoints: each route is a type pattern, an endpoint and
 * an optional predicate; every matching event is sent through a {@link WebhookClient}.
 *
 * <pre>{@code
 * WebhookForwarder forwarder = WebhookForwarder.builder(bus, client)
 *     .route("file_change.notification", URI.create("https://example.com/files"))
 *     .routesFromEnvironment(System.getenv())
 *     .build();
 * }</pre>
 *
 * <p><b>Environment.</b> {@link Builder#routesFromEnvironment} reads these variables:
 * {@code FILE_CHANGE_WEBHOOK_URL} (events {@code file_change.notification}),
 * {@code REPORT_READY_WEBHOOK_URL} ({@code report_ready.distribution}),
 * {@code CRITICAL_ALERT_WEBHOOK_URL}, {@code HIGH_ALERT_WEBHOOK_URL}, {@code MEDIUM_ALERT_WEBHOOK_URL}
 * and {@code LOW_ALERT_WEBHOOK_URL} ({@code risk_alert.notification} of that {@code severity}), and
 * {@code DEFAULT_RISK_WEBHOOK_URL} (risk notifications whose severity has no URL of its own).
 * {@code WEBHOOK_SIGNATURE_SECRET} is read by {@link WebhookClient.Builder#secret}'s caller.
 * Variables that are unset or blank add no route; a malformed URL fails with its variable's name.
 *
 * <p><b>Routing.</b> The forwarder makes one bus subscription per distinct pattern, named
 * {@code webhook handoff <pattern>}, and evaluates that pattern's routes in the order they were
 * added. An event is serialised once, when its first route matches, and the same bytes go to every
 * endpoint (also across patterns, for the same envelope). {@link #severityIs(String...)} selects
 * on a {@code severity} field of the payload (typed or dynamic), read from those bytes with a
 * streaming parser, so routing needs no dependency on the handlers module. {@code DeadLetter} and
 * {@code DeadEvent} payloads are never forwarded, so a {@code *} route cannot loop.
 *
 * <p><b>Tracking.</b> In a {@link io.github.eventbus.DeliveryReport}, a {@code webhook handoff}
 * subscriber that is {@code DELIVERED} means the event was handed to the client: serialised and
 * queued for sending (with an outbox, being recorded there), not that an endpoint answered. A
 * handoff that failed (the client closed, a target refused) is a failed delivery of that
 * subscriber. The endpoints' answers come later, per endpoint, through the client's
 * {@link DeliveryListener}s (the webhook id is the event id) and its dead-letter path.
 *
 * <p><b>Thread-safety:</b> thread-safe; events are sent from the bus's delivering threads.
 */
public final class WebhookForwarder implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookForwarder.class);

  private final List<Subscription> subscriptions = new ArrayList<>();
  private final WebhookClient client;
  /** Shares one message between subscriptions that receive the same envelope; null if only one. */
  private final ConcurrentMap<Event<?>, WebhookMessage> shared;

  /** One route. */
  private record Route(TypePattern pattern, URI endpoint, Predicate<Event<?>> when) {}

  private WebhookForwarder(EventBus bus, WebhookClient client, List<Route> routes) {
    this.client = client;
    Map<String, List<Route>> byPattern = new LinkedHashMap<>();
    for (Route route : routes) {
      byPattern.computeIfAbsent(route.pattern().pattern(), k -> new ArrayList<>()).add(route);
    }
    this.shared = byPattern.size() < 2 ? null
        : CacheBuilder.newBuilder().weakKeys().maximumSize(4096)
            .<Event<?>, WebhookMessage>build().asMap();
    byPattern.forEach((pattern, group) -> {
      List<Route> inOrder = List.copyOf(group);
      subscriptions.add(bus.onType(pattern).name("webhook handoff " + pattern)
          .subscribeEnvelope(event -> forward(event, inOrder)));
    });
  }

  /** Sends an event to each route of one pattern that accepts it, in order. */
  private void forward(Event<?> event, List<Route> routes) {
    Object payload = event.payload();
    if (payload instanceof DeadLetter || payload instanceof DeadEvent) {
      return;
    }
    WebhookMessage message = null;
    String severity = null;
    RuntimeException failure = null;
    for (Route route : routes) {
      try {
        boolean wanted;
        if (route.when() instanceof SeverityFilter filter) {
          if (message == null) {
            message = messageOf(event);
          }
          if (severity == null) {
            severity = SeverityFilter.severityIn(message.bodyBytes());
          }
          wanted = filter.acceptsSeverity(severity);
        } else {
          wanted = route.when().test(event);
        }
        if (wanted) {
          if (message == null) {
            message = messageOf(event);
          }
          client.send(route.endpoint(), message);
        }
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure; // the bus reports the handoff as failed; the other routes were still served
    }
  }

  private WebhookMessage messageOf(Event<?> event) {
    return shared == null ? WebhookMessage.of(event) : shared.computeIfAbsent(event, WebhookMessage::of);
  }

  /**
   * Starts configuring a forwarder.
   *
   * @param bus the bus to take events from
   * @param client the client that sends them
   * @return a builder
   */
  public static Builder builder(EventBus bus, WebhookClient client) {
    return new Builder(requireNonNull(bus, "bus"), requireNonNull(client, "client"));
  }

  /**
   * A predicate on the {@code severity} field of an event's payload, case-insensitive. Its
   * {@code negate()} is one too, read as cheaply.
   *
   * @param severities the accepted severities
   * @return the predicate
   */
  public static Predicate<Event<?>> severityIs(String... severities) {
    Set<String> wanted = new HashSet<>();
    for (String s : severities) {
      wanted.add(s.toLowerCase(Locale.ROOT));
    }
    return new SeverityFilter(wanted, false);
  }

  /** Ends every subscription; the client is not closed. */
  @Override
  public void close() {
    subscriptions.forEach(Subscription::close);
  }

  @Override
  public String toString() {
    return "WebhookForwarder{" + subscriptions.size() + " subscription(s) on " + client + "}";
  }

  /** Configures a {@link WebhookForwarder}. Not thread-safe. */
  public static final class Builder {
    private final EventBus bus;
    private final WebhookClient client;
    private final List<Route> routes = new ArrayList<>();

    private Builder(EventBus bus, WebhookClient client) {
      this.bus = bus;
      this.client = client;
    }

    /**
     * Forwards every event whose type matches a pattern.
     *
     * @param pattern a {@link TypePattern}
     * @param endpoint the endpoint
     * @return this builder
     * @throws IllegalArgumentException if the pattern is malformed
     */
    public Builder route(String pattern, URI endpoint) {
      return route(pattern, endpoint, e -> true);
    }

    /**
     * Forwards the events whose type matches a pattern and that pass a predicate.
     *
     * @param pattern a {@link TypePattern}
     * @param endpoint the endpoint
     * @param when the predicate
     * @return this builder
     * @throws IllegalArgumentException if the pattern is malformed or the client refuses the URL
     *     (not http(s), user info, or a non-public address under the client's public-only guard)
     */
    public Builder route(String pattern, URI endpoint, Predicate<Event<?>> when) {
      routes.add(new Route(TypePattern.compile(pattern),
          client.checkTarget(requireNonNull(endpoint, "endpoint")),
          requireNonNull(when, "when")));
      return this;
    }

    /**
     * Adds the routes of the environment variables listed in the class comment.
     *
     * @param env the environment, such as {@code System.getenv()}
     * @return this builder
     * @throws IllegalArgumentException naming the variable whose URL is malformed
     */
    public Builder routesFromEnvironment(Map<String, String> env) {
      requireNonNull(env, "env");
      envRoute(env, "FILE_CHANGE_WEBHOOK_URL", "file_change.notification", e -> true);
      envRoute(env, "REPORT_READY_WEBHOOK_URL", "report_ready.distribution", e -> true);
      List<String> own = new ArrayList<>();
      for (String severity : List.of("critical", "high", "medium", "low")) {
        String variable = severity.toUpperCase(Locale.ROOT) + "_ALERT_WEBHOOK_URL";
        if (envRoute(env, variable, "risk_alert.notification", severityIs(severity))) {
          own.add(severity);
        }
      }
      Predicate<Event<?>> rest = severityIs(own.toArray(String[]::new)).negate();
      envRoute(env, "DEFAULT_RISK_WEBHOOK_URL", "risk_alert.notification", rest);
      return this;
    }

    private boolean envRoute(
        Map<String, String> env, String variable, String pattern, Predicate<Event<?>> when) {
      String value = env.get(variable);
      if (value == null || value.isBlank()) {
        return false;
      }
      URI uri;
      try {
        uri = new URI(value.strip());
      } catch (URISyntaxException e) {
        // Only the reason and where: the text itself may carry a token, so neither the message
        // nor a cause repeats it.
        throw new IllegalArgumentException(variable + " is not a usable webhook URL: "
            + e.getReason() + " at index " + e.getIndex());
      }
      try {
        route(pattern, uri, when);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(variable + " is not a usable webhook URL: "
            + e.getMessage(), e);
      }
      log.debug("Webhook route from {}: {}", variable, pattern);
      return true;
    }

    /**
     * Subscribes every route on the bus.
     *
     * @return the forwarder
     */
    public WebhookForwarder build() {
      return new WebhookForwarder(bus, client, routes);
    }
  }
}
