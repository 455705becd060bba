package io.github.eventbus.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One HTTP attempt: signs the message's bytes for this instant with the Standard Webhooks headers
 * and the {@code X-Webhook-Signature} header, posts them, and reads at most 64 KiB of the answer.
 */
final class SignedPost {

  private static final int MAX_RESPONSE_BYTES = 64 * 1024;

  /** The answer of one attempt: a response (status, headers) or the error that replaced it. */
  record Answer(HttpResponse<?> response, Throwable error) {
    int status() {
      return response == null ? 0 : response.statusCode();
    }

    String errorText() {
      return error == null ? null : String.valueOf(error);
    }
  }

  private final HttpClient http;
  private final List<WebhookSecret> secrets;
  private final Duration requestTimeout;
  private final SignatureScheme standardHeaders = SignatureScheme.standardWebhooks();
  private final SignatureScheme signatureHeader = SignatureScheme.designHeader();

  SignedPost(HttpClient http, List<WebhookSecret> secrets, Duration requestTimeout) {
    this.http = http;
    this.secrets = secrets;
    this.requestTimeout = requestTimeout;
  }

  /** Posts the message, signed at {@code now}; the future never fails, it carries the error. */
  CompletableFuture<Answer> post(URI endpoint, WebhookMessage message, Instant now) {
    byte[] body = message.bodyBytes();
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(requestTimeout)
        .header("Content-Type", "application/json").header("User-Agent", "event-bus-webhooks")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    standardHeaders.sign(message.id(), now, body, secrets).forEach(request::header);
    signatureHeader.sign(message.id(), now, body, secrets).forEach(request::header);
    CompletableFuture<HttpResponse<InputStream>> call;
    try {
      call = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    return call.handle((response, error) -> {
      if (response != null) {
        drain(response.body());
        return new Answer(response, null);
      }
      return new Answer(null, error instanceof CompletionException ? error.getCause() : error);
    });
  }

  private static void drain(InputStream in) {
    try (in) {
      in.readNBytes(MAX_RESPONSE_BYTES);
    } catch (IOException ignored) {
      // the status is all we need
    }
  }
}
