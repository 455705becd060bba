/**
 * Ready handlers for file changes, report-ready events and risk alerts, each logging to its own
 * JSON Lines file.
 *
 * <h2>Guide</h2>
 *
 * <p><b>Registering.</b> Each handler has {@code register(bus)}; {@link
 * io.github.eventbus.handlers.Handlers#register} registers all three in one call. Each returns a
 * {@link io.github.eventbus.Subscription} that ends everything it subscribed.
 *
 * <p><b>File changes.</b> {@link io.github.eventbus.handlers.FileWatcher} watches directories
 * recursively and publishes {@link io.github.eventbus.handlers.FileChange} ({@code file_change})
 * events, debounced, filtered by globs, with SHA-256 checksums that suppress identical rewrites.
 * {@link io.github.eventbus.handlers.FileChangeHandler} reports missing files, logs by change type
 * to {@code logs/file_changes/file_changes.jsonl} and publishes a
 * {@link io.github.eventbus.handlers.FileChangeNotification}.
 *
 * <p><b>Reports.</b> {@link io.github.eventbus.handlers.ReportReadyHandler} validates
 * {@link io.github.eventbus.handlers.ReportReady} ({@code report_ready}) files (existence, size,
 * PDF/JSON/HTML content), writes a {@code <report>.meta.json} sidecar with the SHA-256, distributes
 * to recipients through {@link io.github.eventbus.handlers.ReportDistributor}s one recipient at a
 * time, and logs to {@code logs/reports/report_generations.jsonl}.
 *
 * <p><b>Risk alerts.</b> {@link io.github.eventbus.handlers.RiskAlert} ({@code risk_alert}) is
 * handled by {@link io.github.eventbus.handlers.RiskAlertHandler}: severity-based processing
 * (critical alerts on their own subscription), escalation
 * ({@link io.github.eventbus.handlers.RiskEscalated}), named
 * {@link io.github.eventbus.handlers.MitigationAction}s run at most once per occurrence, a live
 * {@link io.github.eventbus.handlers.RiskDashboard}, an id seen again within the dedupe window
 * updating its occurrence (later, a new occurrence that escalates again), and a {@link io.github.eventbus.handlers.RiskNotification} carrying the severity for
 * webhook routing. It logs to {@code logs/risk_alerts/risk_alerts.jsonl}.
 *
 * <p><b>Logs.</b> Every line of a handler's log describes one event as delivered:
 * {@code timestamp}, {@code event_id}, {@code type}, {@code source} and {@code data} (every field
 * of the event as received), then {@code handled_at}, {@code action} and the handler's outcome
 * fields. A handler writes its line before it publishes the events that follow from it, so a
 * refused follow-up never loses the line. A line that cannot be written is kept and retried; each
 * failure is counted ({@code logStats()}) and reported to the builder's
 * {@code writeErrorHandler}, or else logged as a rate-limited WARN.
 *
 * <p><b>Events.</b> The event records use snake_case field names in JSON. Their
 * constructors validate (a missing required field, an unknown enum value or an out-of-range value
 * throws {@link io.github.eventbus.handlers.InvalidEventException} naming each field), and
 * {@code from(DynamicEvent)} converts that JSON form, so an event arriving from a webhook
 * or a replay is handled exactly like a typed one; invalid ones become dead letters.
 *
 * <p><b>Threads.</b> Handlers create no threads of their own beyond their log writer's
 * ({@code jsonl-writer-<file>}); they run on the bus's. Every public type states whether it is
 * thread-safe.
 */
package io.github.eventbus.handlers;
