package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What happened to one mitigation step of an alert.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param step the step's name
 * @param status {@code done}, {@code failed}, {@code unknown} (no action registered under that
 *     name) or {@code skipped} (already run for this alert id)
 * @param error the failure's message, for {@code failed}; otherwise null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MitigationResult(String step, String status, String error) {}
