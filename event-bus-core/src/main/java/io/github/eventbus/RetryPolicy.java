package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.internal.Settings;
import java.time.Duration;
import java.util.Optional;

/**
 * How often, and after what delays, a failed delivery is tried again: exponential backoff with
 * jitter, bounded by a number of attempts and optionally by the time since the first attempt.
 *
 * <p>The delay before attempt {@code n} (n &ge; 2) is {@code initialDelay * multiplier^(n-2)},
 * capped at {@code maxDelay}, then spread by the jitter fraction {@code j}: multiplied by a
 * factor drawn uniformly from {@code [1 - j, 1 + j]} and capped at {@code maxDelay} again.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *     .maxAttempts(5)
 *     .initialDelay(Duration.ofMillis(200))
 *     .multiplier(2)
 *     .maxDelay(Duration.ofSeconds(10))
 *     .jitter(0.2)
 *     .build();
 * }</pre>
 *
 * <p>The bus waits on a scheduler, never on a worker thread, and draws the jitter from its
 * {@linkplain EventBusBuilder#jitterSource injected source}, so tests can fix it.
 *
 * <p><b>Thread-safety:</b> immutable.
 */
public final class RetryPolicy {

  private static final RetryPolicy NONE =
      new RetryPolicy(1, Duration.ZERO, 1.0, Duration.ZERO, 0.0, null);

  private final int maxAttempts;
  private final Duration initialDelay;
  private final double multiplier;
  private final Duration maxDelay;
  private final double jitter;
  private final Duration maxElapsed;

  private RetryPolicy(
      int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay, double jitter,
      Duration maxElapsed) {
    this.maxAttempts = maxAttempts;
    this.initialDelay = initialDelay;
    this.multiplier = multiplier;
    this.maxDelay = maxDelay;
    this.jitter = jitter;
    this.maxElapsed = maxElapsed;
  }

  /**
   * Returns the policy of one attempt and no retry, the default of every subscription.
   *
   * @return the no-retry policy
   */
  public static RetryPolicy none() {
    return NONE;
  }

  /**
   * Returns a builder. Defaults: 3 attempts, 100 ms initial delay, multiplier 2, max delay 30 s
   * (or the initial delay, if that is longer), jitter 0.2, no elapsed-time limit.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the most attempts, the first included.
   *
   * @return at least 1
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * Returns the delay before the second attempt, before jitter.
   *
   * @return the initial delay
   */
  public Duration initialDelay() {
    return initialDelay;
  }

  /**
   * Returns the factor by which each delay grows.
   *
   * @return at least 1
   */
  public double multiplier() {
    return multiplier;
  }

  /**
   * Returns the longest delay between two attempts.
   *
   * @return the cap
   */
  public Duration maxDelay() {
    return maxDelay;
  }

  /**
   * Returns the jitter fraction.
   *
   * @return between 0 and 1
   */
  public double jitter() {
    return jitter;
  }

  /**
   * Returns the time after the first attempt past which no attempt starts.
   *
   * @return the limit, if any
   */
  public Optional<Duration> maxElapsed() {
    return Optional.ofNullable(maxElapsed);
  }

  /**
   * Computes the delay before an attempt.
   *
   * @param attempt the attempt about to be scheduled, from 2
   * @param randomUnit a random number in {@code [0, 1]} that places the jitter
   * @return the delay
   * @throws IllegalArgumentException if {@code attempt < 2} or {@code randomUnit} is outside
   *     {@code [0, 1]}
   */
  public Duration delayBefore(int attempt, double randomUnit) {
    if (attempt < 2) {
      throw new IllegalArgumentException("attempt must be at least 2 (the first retry), but was "
          + attempt);
    }
    if (!(randomUnit >= 0.0 && randomUnit <= 1.0)) {
      throw new IllegalArgumentException("randomUnit must be in [0, 1], but was " + randomUnit);
    }
    long cap = Settings.nanos(maxDelay);
    double base = Math.min(cap, Settings.nanos(initialDelay) * Math.pow(multiplier, attempt - 2));
    double spread = base * (1.0 - jitter + 2.0 * jitter * randomUnit);
    // Capped as a long: near the cap, the double rounds to a nanosecond above it.
    return Duration.ofNanos(Math.min(cap, (long) spread));
  }

  /**
   * Tells whether an attempt may start.
   *
   * @param attempt the attempt, from 1
   * @param elapsed the time from the first attempt to when this one would start
   * @return {@code true} if within both {@code maxAttempts} and {@code maxElapsed}
   */
  public boolean allowsAttempt(int attempt, Duration elapsed) {
    requireNonNull(elapsed, "elapsed");
    return attempt <= maxAttempts && (maxElapsed == null || elapsed.compareTo(maxElapsed) <= 0);
  }

  @Override
  public String toString() {
    return this == NONE
        ? "RetryPolicy.none()"
        : "RetryPolicy{maxAttempts=" + maxAttempts + ", initialDelay=" + initialDelay
            + ", multiplier=" + multiplier + ", maxDelay=" + maxDelay + ", jitter=" + jitter
            + ", maxElapsed=" + maxElapsed + "}";
  }

  /** Builds a {@link RetryPolicy}. Not thread-safe; each option may be set once. */
  public static final class Builder {
    private Integer maxAttempts;
    private Duration initialDelay;
    private Double multiplier;
    private Duration maxDelay;
    private Double jitter;
    private Duration maxElapsed;

    private Builder() {}

    /**
     * Sets the most attempts, the first included.
     *
     * @param maxAttempts at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     * @throws IllegalStateException if already set
     */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts =
          Settings.setOnce(this.maxAttempts, Settings.positive(maxAttempts, "maxAttempts"),
              "maxAttempts");
      return this;
    }

    /**
     * Sets the delay before the second attempt.
     *
     * @param initialDelay zero or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder initialDelay(Duration initialDelay) {
      this.initialDelay = Settings.setOnce(this.initialDelay,
          Settings.nonNegative(initialDelay, "initialDelay"), "initialDelay");
      return this;
    }

    /**
     * Sets the growth factor of the delay.
     *
     * @param multiplier at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1 or not finite
     * @throws IllegalStateException if already set
     */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException(
            "multiplier must be a finite number of at least 1, but was " + multiplier);
      }
      this.multiplier = Settings.setOnce(this.multiplier, multiplier, "multiplier");
      return this;
    }

    /**
     * Sets the longest delay.
     *
     * @param maxDelay zero or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay =
          Settings.setOnce(this.maxDelay, Settings.nonNegative(maxDelay, "maxDelay"), "maxDelay");
      return this;
    }

    /**
     * Sets the jitter fraction.
     *
     * @param jitter from 0 (none) to 1 (anywhere between zero and twice the delay)
     * @return this builder
     * @throws IllegalArgumentException if outside {@code [0, 1]}
     * @throws IllegalStateException if already set
     */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0.0 && jitter <= 1.0)) {
        throw new IllegalArgumentException("jitter must be between 0 and 1, but was " + jitter);
      }
      this.jitter = Settings.setOnce(this.jitter, jitter, "jitter");
      return this;
    }

    /**
     * Sets the time after the first attempt past which no attempt starts.
     *
     * @param maxElapsed a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxElapsed(Duration maxElapsed) {
      this.maxElapsed = Settings.setOnce(this.maxElapsed,
          Settings.positive(maxElapsed, "maxElapsed"), "maxElapsed");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalStateException if {@code maxDelay} is shorter than {@code initialDelay}
     */
    public RetryPolicy build() {
      Duration initial = initialDelay != null ? initialDelay : Duration.ofMillis(100);
      Duration max = maxDelay != null ? maxDelay : Duration.ofSeconds(30).compareTo(initial) >= 0
          ? Duration.ofSeconds(30) : initial;
      if (max.compareTo(initial) < 0) {
        throw new IllegalStateException("maxDelay (" + max + ") is shorter than initialDelay ("
            + initial + "); raise maxDelay or lower initialDelay");
      }
      return new RetryPolicy(
          maxAttempts != null ? maxAttempts : 3,
          initial,
          multiplier != null ? multiplier : 2.0,
          max,
          jitter != null ? jitter : 0.2,
          maxElapsed);
    }
  }
}
