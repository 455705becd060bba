package io.github.eventbus.webhooks;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Bounds the requests in flight to one endpoint; the rest wait in order. The runner keeps one
 * gate per origin while deliveries to it are unfinished, counted by {@link #use} and
 * {@link #release}, so that a client sending to ever new origins keeps no gate for each.
 */
final class EndpointGate {

  private final int permits;
  private int inFlight;
  private final Deque<Runnable> waiting = new ArrayDeque<>();
  private int users; // changed only inside the runner's map compute for this gate's key

  /**
   * The endpoint's scheme, host and port: what one gate covers, and all that is ever shown of an
   * endpoint (in logs, the attempt log, dead letters, exception messages and toString()), since
   * its path, query or user info may hold a token (Slack's and Discord's webhook URLs do).
   */
  static String origin(URI endpoint) {
    String host = endpoint.getHost();
    int port = endpoint.getPort();
    return endpoint.getScheme() + "://" + (host != null ? host : "?")
        + (port >= 0 ? ":" + port : "");
  }

  /**
   * The origin whose requests one gate bounds: scheme and host are case-insensitive, and no port
   * is the scheme's own, so that each spelling of one origin does not get a limit of its own.
   */
  static String gateKey(URI endpoint) {
    String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
    String host = endpoint.getHost();
    int port = endpoint.getPort();
    if (port < 0) {
      port = scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
    }
    return scheme + "://" + (host != null ? canonicalHost(host) : "?") + ":" + port;
  }

  /**
   * A host name in lower case; an IPv6 literal in one spelling ([::1] is [0:0:0:0:0:0:0:1], and
   * [::ffff:127.0.0.1] is 127.0.0.1), its zone id kept as written.
   */
  private static String canonicalHost(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    if (lower.length() <= 2 || !lower.startsWith("[") || !lower.endsWith("]")) {
      return lower;
    }
    String literal = lower.substring(1, lower.length() - 1);
    int zone = literal.indexOf('%'); // "%25eth0" in a URI: the zone need not exist here
    String address = zone < 0 ? literal : literal.substring(0, zone);
    try {
      InetAddress parsed = InetAddress.getByName(address); // a literal: parsed, never looked up
      if (parsed instanceof java.net.Inet4Address) {
        return parsed.getHostAddress();
      }
      return "[" + parsed.getHostAddress() + (zone < 0 ? "" : literal.substring(zone)) + "]";
    } catch (UnknownHostException notALiteral) {
      return lower;
    }
  }

  EndpointGate(int permits) {
    this.permits = permits;
  }

  /** Counts one more unfinished delivery; returns this gate, for the map. */
  EndpointGate use() {
    users++;
    return this;
  }

  /** Counts a delivery finished; returns this gate, or null (for the map to drop it) if unused. */
  EndpointGate release() {
    return --users == 0 ? null : this;
  }

  /** Runs {@code attempt} now if a permit is free, else when one is released. */
  void enter(Runnable attempt) {
    synchronized (this) {
      if (inFlight >= permits) {
        waiting.add(attempt);
        return;
      }
      inFlight++;
    }
    attempt.run();
  }

  /** Forgets the attempts still waiting (the client stopped; their deliveries are ended). */
  synchronized void forgetWaiting() {
    waiting.clear();
  }

  void leave() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        inFlight--;
        return;
      }
    }
    next.run();
  }
}
