package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Subscription;
import io.github.eventbus.TypePattern;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * <p><b>Environment.</b> {@link Builder#routesFromEnvironment} reads the original design's
 * variables: {@code FILE_CHANGE_WEBHOOK_URL} (events {@code file_change.notification}),
 * {@code REPORT_READY_WEBHOOK_URL} ({@code report_ready.distribution}),
 * {@code CRITICAL_ALERT_WEBHOOK_URL}, {@code HIGH_ALERT_WEBHOOK_URL}, {@code MEDIUM_ALERT_WEBHOOK_URL}
 * and {@code LOW_ALERT_WEBHOOK_URL} ({@code risk_alert.notification} of that {@code severity}), and
 * {@code DEFAULT_RISK_WEBHOOK_URL} (risk notifications whose severity has no URL of its own).
 * {@code WEBHOOK_SIGNATURE_SECRET} is read by {@link WebhookClient.Builder#secret}'s caller.
 * Variables that are unset or blank add no route; a malformed URL fails with its variable's name.
 *
 * <p>{@link #severityIs(String...)} selects on a {@code severity} field of the payload (typed or
 * dynamic), so routing needs no dependency on the handlers module.
 *
 * <p><b>Thread-safety:</b> thread-safe; events are sent from the bus's delivering threads.
 */
public final class WebhookForwarder implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookForwarder.class);
  private static final ObjectMapper MAPPER = JsonLinesWriter.defaultMapper();

  private final List<Subscription> subscriptions = new ArrayList<>();

  /** One route. */
  private record Route(TypePattern pattern, URI endpoint, Predicate<Event<?>> when) {}

  private WebhookForwarder(EventBus bus, WebhookClient client, List<Route> routes) {
    for (Route route : routes) {
      subscriptions.add(bus.onType(route.pattern().pattern())
          .name("webhook " + route.endpoint())
          .subscribeEnvelope(event -> {
            if (route.when().test(event)) {
              client.send(route.endpoint(), WebhookMessage.of(event));
            }
          }));
    }
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
   * A predicate on the {@code severity} field of an event's payload, case-insensitive.
   *
   * @param severities the accepted severities
   * @return the predicate
   */
  public static Predicate<Event<?>> severityIs(String... severities) {
    List<String> wanted = new ArrayList<>();
    for (String s : severities) {
      wanted.add(s.toLowerCase(Locale.ROOT));
    }
    return event -> wanted.contains(severityOf(event));
  }

  static String severityOf(Event<?> event) {
    Object payload = event.payload();
    Object raw = payload instanceof DynamicEvent d ? d.get("severity") : null;
    if (raw == null && !(payload instanceof DynamicEvent)) {
      JsonNode node = MAPPER.valueToTree(payload).path("severity");
      raw = node.isMissingNode() || node.isNull() ? null : node.asText();
    }
    return raw == null ? "" : raw.toString().toLowerCase(Locale.ROOT);
  }

  /** Ends every route's subscription; the client is not closed. */
  @Override
  public void close() {
    subscriptions.forEach(Subscription::close);
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
     * @throws IllegalArgumentException if the pattern is malformed or the URL is not http(s)
     */
    public Builder route(String pattern, URI endpoint, Predicate<Event<?>> when) {
      routes.add(new Route(TypePattern.compile(pattern),
          TargetUrls.check(requireNonNull(endpoint, "endpoint"), false),
          requireNonNull(when, "when")));
      return this;
    }

    /**
     * Adds the routes of the original design's environment variables (see the class comment).
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
      try {
        route(pattern, URI.create(value.strip()), when);
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
