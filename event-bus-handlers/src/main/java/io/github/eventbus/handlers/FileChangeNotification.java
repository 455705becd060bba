package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.eventbus.EventType;

/**
 * Published by {@link FileChangeHandler} after handling a change, for outgoing webhooks (routed by
 * {@code FILE_CHANGE_WEBHOOK_URL} in {@code WebhookForwarder.Builder.routesFromEnvironment}).
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param change the change
 * @param exists whether the file exists now; false for a deletion, and for a created or modified
 *     file that was gone when handled (reported as {@code missing} in the log)
 */
@EventType("file_change.notification")
public record FileChangeNotification(
    @JsonProperty("change") FileChange change, @JsonProperty("exists") boolean exists) {}
