package io.github.eventbus.webhooks;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;

/** Bounds the requests in flight to one endpoint; the rest wait in order. */
final class EndpointGate {

  private final int permits;
  private int inFlight;
  private final Deque<Runnable> waiting = new ArrayDeque<>();
  private boolean handing; // a thread is passing released permits on to waiting attempts
  private int released; // permits released and not yet passed on

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

  EndpointGate(int permits) {
    this.permits = permits;
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

  /**
   * Releases a permit: the next waiting attempt runs with it, else it is free. One thread at a
   * time passes permits on, in a loop: a permit released meanwhile, by another thread or by an
   * attempt that ends at once inside this call (its endpoint found gone), is passed on by that
   * loop, so a long queue never nests on one stack. Whatever an attempt throws is thrown once the
   * permits are passed on.
   */
  void leave() {
    synchronized (this) {
      released++;
      if (handing) {
        return;
      }
      handing = true;
    }
    Throwable failure = null;
    while (true) {
      Runnable next;
      synchronized (this) {
        if (released == 0) {
          handing = false;
          break;
        }
        released--;
        next = waiting.poll();
        if (next == null) {
          inFlight--;
          continue;
        }
      }
      try {
        next.run();
      } catch (RuntimeException | Error e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    } else if (failure != null) {
      throw (Error) failure;
    }
  }
}
