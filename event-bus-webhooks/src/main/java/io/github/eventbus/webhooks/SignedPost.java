package io.github.eventbus.webhooks;

import io.github.eventbus.internal.LogText;
import io.github.eventbus.internal.Settings;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One HTTP attempt: checks the target with the address guard, signs the message's bytes for this
 * instant with the Standard Webhooks headers and the {@code X-Webhook-Signature} header, posts
 * them, and reads at most 64 KiB of the answer without blocking a thread. The request timeout
 * covers the whole exchange, body included: at the deadline the exchange is cancelled and the
 * attempt ends with an {@link HttpTimeoutException}.
 */
final class SignedPost {

  private static final int MAX_RESPONSE_BYTES = 64 * 1024;
  private static final int MAX_ERROR_CHARS = 1000;

  /** The answer of one attempt: a status and headers, or the error that replaced them. */
  record Answer(int status, HttpHeaders headers, Throwable error, boolean refused) {
    /**
     * The error as text, for the delivery, its dead letter and the attempt log: unsafe characters
     * escaped (a hostile status line can carry terminal escapes) and cut to 1,000 characters.
     */
    String errorText() {
      return error == null ? null : LogText.printable(String.valueOf(error), MAX_ERROR_CHARS);
    }
  }

  private final HttpClient http;
  private final HostLookups lookups;
  private final List<WebhookSecret> secrets;
  private final Duration requestTimeout;
  private final boolean publicOnly;
  private final ScheduledExecutorService timer;
  private final Executor onClientThreads;
  private final Set<CompletableFuture<Answer>> inFlight = ConcurrentHashMap.newKeySet();
  private final SignatureScheme standardHeaders = SignatureScheme.standardWebhooks();
  private final SignatureScheme signatureHeader = SignatureScheme.xWebhookSignature();

  SignedPost(HttpClient http, HostLookups lookups, List<WebhookSecret> secrets,
      Duration requestTimeout, boolean publicOnly, ScheduledExecutorService timer,
      Executor httpThreads) {
    this.http = http;
    this.lookups = lookups;
    this.secrets = secrets;
    this.requestTimeout = requestTimeout;
    this.publicOnly = publicOnly;
    this.timer = timer;
    this.onClientThreads = task -> {
      try {
        httpThreads.execute(task);
      } catch (RejectedExecutionException closing) {
        task.run(); // close() stopped the threads: this thread ends the attempt
      }
    };
  }

  /**
   * The one place the address guard is applied: before {@code send} accepts a target and before
   * every attempt (first, retry, resumed or re-driven), since a name may resolve differently later.
   *
   * @throws IllegalArgumentException if the target is not acceptable
   */
  URI checkTarget(URI endpoint) {
    try {
      return TargetUrls.check(endpoint, publicOnly);
    } catch (TargetUrls.Unresolved passing) {
      return endpoint; // each attempt checks again, and one that cannot resolve is retried
    }
  }

  /**
   * Posts the message, signed at {@code now}, once its host is looked up (on the lookup threads,
   * within the request timeout); the future never fails, it carries the error.
   */
  CompletableFuture<Answer> post(URI endpoint, WebhookMessage message, Instant now) {
    try {
      TargetUrls.check(endpoint, false); // the address guard, if on, checks the lookup's result
    } catch (IllegalArgumentException refused) {
      return CompletableFuture.completedFuture(new Answer(0, null, refused, true));
    }
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    long started = System.nanoTime();
    AtomicReference<CompletableFuture<HttpResponse<Void>>> call = new AtomicReference<>();
    AtomicReference<HttpResponse.ResponseInfo> head = new AtomicReference<>();
    inFlight.add(answer);
    CompletableFuture<InetAddress[]> lookup =
        lookups.lookUp(endpoint.getHost(), started + Settings.nanos(requestTimeout));
    ScheduledFuture<?> deadline;
    try {
      // The timer only fires the deadline: the attempt ends on the client's threads, as others
      // do, so that a slow listener holds up no other request's deadline.
      // Status and headers in, the body stalled: the endpoint has said what it did with the
      // message, so that is the answer, and the exchange is ended here.
      deadline = timer.schedule(() -> onClientThreads.execute(() -> {
        HttpResponse.ResponseInfo info = head.get();
        if (info != null && answer.complete(new Answer(info.statusCode(), info.headers(), null,
            false))) {
          cancel(call.get());
        }
        answer.complete(new Answer(0, null, lookup.isDone() ? timedOut(null)
            : new HttpTimeoutException("the host name lookup did not end within "
                + requestTimeout), false));
      }), Settings.nanos(requestTimeout), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      deadline = null;
    }
    ScheduledFuture<?> timeout = deadline;
    answer.whenComplete((a, e) -> {
      inFlight.remove(answer);
      if (timeout != null) {
        timeout.cancel(false);
      }
      // The deadline or cancelAll() answered first: end the exchange too. (A response answered
      // from its body has ended its exchange; the call completes a moment later.)
      cancelUnanswered(call.get(), a);
    });
    lookup.whenCompleteAsync((addresses, error) -> {
      if (answer.isDone()) {
        return; // the deadline, or close(), came first
      }
      if (error != null) {
        Throwable cause = unwrap(error);
        answer.complete(new Answer(0, null, cause instanceof UnknownHostException
            ? TargetUrls.unresolved(endpoint.getHost(), cause) : cause, false));
        return;
      }
      if (publicOnly) {
        try {
          TargetUrls.checkPublic(endpoint.getHost(), addresses);
        } catch (IllegalArgumentException refused) {
          answer.complete(new Answer(0, null, refused, true));
          return;
        }
      }
      send(endpoint, message, now, answer, call, head, started);
    }, onClientThreads);
    return answer;
  }

  /** Hands the signed request to the JDK client, whose outcome completes {@code answer}. */
  private void send(URI endpoint, WebhookMessage message, Instant now,
      CompletableFuture<Answer> answer, AtomicReference<CompletableFuture<HttpResponse<Void>>> call,
      AtomicReference<HttpResponse.ResponseInfo> head, long started) {
    CompletableFuture<HttpResponse<Void>> sent;
    try {
      sent = http.sendAsync(signedRequest(endpoint, message, now), info -> {
        head.set(info);
        return new BoundedDiscard(info, answer, onClientThreads);
      });
    } catch (RuntimeException e) { // an attempt that cannot start is a failed attempt
      answer.complete(new Answer(0, null, e, false));
      return;
    }
    call.set(sent);
    if (answer.isDone()) { // the deadline, or close(), came while the request was handed over
      cancelUnanswered(sent, answer.join());
      return;
    }
    // The JDK completes the call on its shared pool (ForkJoinPool.commonPool(), or a new thread
    // per call where that has one thread): a busy pool would hold a prompt answer past the
    // deadline, and run listeners on threads not the client's. An answer with a body is had
    // from the body subscriber instead; the call tells only errors, read on the client's threads.
    // (An error, a refused connection say, still comes through that pool: a pool busy past the
    // deadline makes it a timeout.)
    sent.whenCompleteAsync((response, error) -> {
      Throwable failure = error == null ? null : unwrap(error);
      if (failure != null && System.nanoTime() - started >= Settings.nanos(requestTimeout)) {
        // the JDK's own timer (or a busy machine) may end the exchange a moment before ours
        failure = timedOut(failure);
      }
      answer.complete(response != null
          ? new Answer(response.statusCode(), response.headers(), null, false)
          : new Answer(0, null, failure, false));
    }, onClientThreads);
  }

  /** Ends an exchange whose attempt was answered without a status (the deadline, or close). */
  private static void cancelUnanswered(CompletableFuture<HttpResponse<Void>> call, Answer a) {
    if (a.status() == 0) {
      cancel(call);
    }
  }

  /** Ends an exchange, if it was started and is not over. */
  private static void cancel(CompletableFuture<HttpResponse<Void>> call) {
    if (call != null && !call.isDone()) {
      call.cancel(true);
    }
  }

  private HttpRequest signedRequest(URI endpoint, WebhookMessage message, Instant now) {
    byte[] body = message.bodyBytes();
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(requestTimeout)
        .header("Content-Type", "application/json").header("User-Agent", "event-bus-webhooks")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    standardHeaders.sign(message.id(), now, body, secrets).forEach(request::header);
    signatureHeader.sign(message.id(), now, body, secrets).forEach(request::header);
    return request.build();
  }

  private HttpTimeoutException timedOut(Throwable cause) {
    HttpTimeoutException e = new HttpTimeoutException(
        "no complete response within " + requestTimeout);
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  /** Ends every attempt in flight now, as cancelled; their exchanges are cancelled. */
  void cancelAll() {
    for (CompletableFuture<Answer> answer : List.copyOf(inFlight)) {
      answer.complete(new Answer(0, null,
          new CancellationException("the webhook client closed"), false));
    }
  }

  /**
   * Counts the response body and drops it; past 64 KiB it stops reading. When the body has ended
   * (or been cut off), completes the attempt's answer with the status, on the client's threads.
   */
  private static final class BoundedDiscard implements HttpResponse.BodySubscriber<Void> {
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final HttpResponse.ResponseInfo info;
    private final CompletableFuture<Answer> answer;
    private final Executor onClientThreads;
    private Flow.Subscription subscription;
    private long seen;

    BoundedDiscard(HttpResponse.ResponseInfo info, CompletableFuture<Answer> answer,
        Executor onClientThreads) {
      this.info = info;
      this.answer = answer;
      this.onClientThreads = onClientThreads;
    }

    private void answered() {
      if (done.complete(null)) {
        onClientThreads.execute(() ->
            answer.complete(new Answer(info.statusCode(), info.headers(), null, false)));
      }
    }

    @Override
    public CompletionStage<Void> getBody() {
      return done;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer b : items) {
        seen += b.remaining();
      }
      if (seen > MAX_RESPONSE_BYTES && !done.isDone()) {
        subscription.cancel(); // the status is all we need; the connection is not reused
        answered();
      }
    }

    @Override
    public void onError(Throwable error) {
      // The status line and headers came: the endpoint has said what it did with the message. A
      // body cut off after them changes nothing (a 2xx sent again would be a duplicate).
      answered();
    }

    @Override
    public void onComplete() {
      answered();
    }
  }
}
