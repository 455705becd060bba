package io.github.eventbus.webhooks;

import java.net.URI;
import java.time.Duration;

/**
 * What one HTTP attempt of a delivery got: a status, or a network error.
 *
 * @param endpoint the target
 * @param attempt the attempt's number, from 1
 * @param status the HTTP status, or 0 if no response came
 * @param error the network error (class and message), or null if a response came
 * @param duration how long the attempt took
 */
record AttemptResult(URI endpoint, int attempt, int status, String error, Duration duration) {}
