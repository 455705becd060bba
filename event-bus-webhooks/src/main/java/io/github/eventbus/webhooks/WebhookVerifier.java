package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.internal.Settings;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Verifies incoming webhook requests with one {@link SignatureScheme} and one or more secrets,
 * from any HTTP stack (Servlet, Spring, the JDK server): give it the raw body bytes and the
 * headers.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.builder()
 *     .scheme(SignatureScheme.github())
 *     .secret(System.getenv("GITHUB_WEBHOOK_SECRET"))
 *     .build();
 * Verification v = verifier.verify(body, headers);
 * if (!v.isValid()) { respond(401, v.detail()); }
 * }</pre>
 *
 * <p><b>Thread-safety:</b> immutable and thread-safe.
 */
public final class WebhookVerifier {

  private final SignatureScheme scheme;
  private final List<WebhookSecret> secrets;
  private final Clock clock;

  private WebhookVerifier(Builder b) {
    this.scheme = b.scheme != null ? b.scheme : SignatureScheme.standardWebhooks();
    this.secrets = List.copyOf(b.secrets);
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
  }

  /**
   * Starts configuring a verifier.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Verifies a request.
   *
   * @param body the raw body, exactly as received (never re-serialised JSON)
   * @param headers the headers, any case; values may be strings or lists of strings
   * @return the result; it never says which secret or byte failed
   */
  public Verification verify(byte[] body, Map<String, ?> headers) {
    return scheme.verify(requireNonNull(body, "body"), requireNonNull(headers, "headers"), secrets,
        clock.instant());
  }

  /**
   * Returns the scheme.
   *
   * @return the scheme
   */
  public SignatureScheme scheme() {
    return scheme;
  }

  @Override
  public String toString() {
    return "WebhookVerifier{" + scheme + ", " + secrets.size() + " secret(s)}";
  }

  /** Configures a {@link WebhookVerifier}. Not thread-safe. */
  public static final class Builder {
    private SignatureScheme scheme;
    private final List<WebhookSecret> secrets = new ArrayList<>();
    private Clock clock;

    private Builder() {}

    /**
     * Sets the scheme; default {@link SignatureScheme#standardWebhooks()}.
     *
     * @param scheme the scheme
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder scheme(SignatureScheme scheme) {
      this.scheme = Settings.setOnce(this.scheme, scheme, "scheme");
      return this;
    }

    /**
     * Adds an accepted secret; add several to rotate keys.
     *
     * @param secret {@code whsec_...} or a raw string
     * @return this builder
     * @throws IllegalArgumentException if the secret is empty or malformed
     */
    public Builder secret(String secret) {
      secrets.add(WebhookSecret.of(secret));
      return this;
    }

    /**
     * Sets the clock timestamps are checked against; default {@link Clock#systemUTC()}.
     *
     * @param clock the clock
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder clock(Clock clock) {
      this.clock = Settings.setOnce(this.clock, clock, "clock");
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @return the verifier
     * @throws IllegalStateException if no secret was added
     */
    public WebhookVerifier build() {
      if (secrets.isEmpty()) {
        throw new IllegalStateException("add at least one secret with secret(...)");
      }
      return new WebhookVerifier(this);
    }
  }
}
