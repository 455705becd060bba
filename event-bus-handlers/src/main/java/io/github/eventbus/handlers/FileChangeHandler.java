package io.github.eventbus.handlers;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Subscription;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.jsonl.WriteErrorHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Handles {@code file_change} events: checks that a created or modified file exists (a missing one
 * is reported, not thrown), logs what happened by change type to
 * {@code <log root>/file_changes/file_changes.jsonl}, and publishes a
 * {@link FileChangeNotification} for webhooks.
 *
 * <p><b>Log.</b> One line per event: {@code timestamp}, {@code event_id}, {@code type},
 * {@code source} and {@code data} (every field as received), then {@code handled_at},
 * {@code action} and {@code exists} (whether the file exists when handled). Actions:
 * {@code created}, {@code modified}, {@code deleted}, {@code missing} (created or modified, but
 * gone when handled) and {@code rejected} (invalid dynamic data, with {@code problems}; it also
 * becomes a dead letter). The line is written before the notification is published, so a refused
 * notification never loses it; the refusal is thrown as a {@link HandlerException}.
 * {@link Builder#logChanges(boolean)} turns the log off.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class FileChangeHandler extends LoggingHandler {

  private FileChangeHandler(Builder b) {
    super(b.logChanges == null || b.logChanges
        ? HandlerLog.open(b.logRoot, "file_changes", "file_changes.jsonl",
            b.clock != null ? b.clock : Clock.systemUTC(), b.writeErrors)
        : HandlerLog.off("logging is off (logChanges(false))"));
  }

  /**
   * Starts configuring a handler.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Subscribes this handler to typed and dynamic file-change events on a bus.
   *
   * @param bus the bus; notifications are published on it too
   * @return one subscription that ends both
   */
  public Subscription register(EventBus bus) {
    requireNonNull(bus, "bus");
    return new Registration("file-changes", List.of(
        bus.on(FileChange.class).name("file-changes")
            .subscribeEnvelope(e -> handle(bus, e.payload(), e)),
        bus.onType(FileChange.TYPE).name("file-changes-json").filter(p -> p instanceof DynamicEvent)
            .subscribeEnvelope(e -> {
              FileChange change;
              try {
                change = FileChange.from((DynamicEvent) e.payload());
              } catch (InvalidEventException invalid) {
                if (log.enabled()) {
                  Map<String, Object> line = log.line(e, "rejected");
                  line.put("problems", invalid.problems());
                  log.write(line);
                }
                throw invalid;
              }
              handle(bus, change, e);
            })));
  }

  private void handle(EventBus bus, FileChange change, Event<?> envelope) {
    boolean exists = Files.exists(Path.of(change.filePath()));
    String action = switch (change.changeType()) {
      case CREATED -> exists ? "created" : "missing";
      case MODIFIED -> exists ? "modified" : "missing";
      case DELETED -> "deleted";
    };
    if (log.enabled()) {
      Map<String, Object> line = log.line(envelope, action);
      line.put("exists", exists);
      log.write(line);
    }
    FollowUps.publish(bus, envelope, List.of(new FileChangeNotification(change, exists)));
  }

  /** Configures a {@link FileChangeHandler}. Not thread-safe; each option may be set once. */
  public static final class Builder {
    private Path logRoot;
    private WriteErrorHandler writeErrors;
    private Boolean logChanges;
    private Clock clock;

    private Builder() {}

    /**
     * Sets the log root; the log is {@code <root>/file_changes/file_changes.jsonl}. Default
     * {@code logs}.
     *
     * @param root the directory
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder logRoot(Path root) {
      this.logRoot = Settings.setOnce(this.logRoot, root, "logRoot");
      return this;
    }

    /**
     * Sets who is told when a line of the handler's log cannot be written (the directory cannot
     * be created, a write or fsync fails), in place of the default rate-limited WARN. The log
     * keeps such lines and retries; each failure is also counted in
     * {@link FileChangeHandler#logStats()}. Default: none, the count and the WARN.
     *
     * @param handler the handler; called as {@link io.github.eventbus.jsonl.WriteErrorHandler} says
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder writeErrorHandler(WriteErrorHandler handler) {
      this.writeErrors = Settings.setOnce(this.writeErrors, handler, "writeErrorHandler");
      return this;
    }

    /**
     * Turns the log on or off; default on.
     *
     * @param on whether to log
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder logChanges(boolean on) {
      this.logChanges = Settings.setOnce(this.logChanges, on, "logChanges");
      return this;
    }

    /**
     * Sets the clock of log timestamps.
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
     * Builds the handler and opens its log.
     *
     * @return the handler
     * @throws HandlerException if the log's directory, or one above it, exists and is not a
     *     directory, or the log file's path is a directory (a log blocked later keeps its
     *     lines and retries), or another writer in this process writes the file, until its
     *     thread has ended (its {@code close()} waits for that)
     */
    public FileChangeHandler build() {
      return new FileChangeHandler(this);
    }
  }
}
