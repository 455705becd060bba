package io.github.eventbus.handlers;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Subscription;
import io.github.eventbus.internal.LogText;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.jsonl.WriteErrorHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Handles {@code report_ready} events: validates the report file, writes a sidecar
 * {@code <report>.meta.json}, distributes it to its recipients, and logs each action to
 * {@code <log root>/reports/report_generations.jsonl}.
 *
 * <pre>{@code
 * ReportReadyHandler reports = ReportReadyHandler.builder()
 *     .distributor((report, file, recipient) -> mailer.send(recipient, file))
 *     .distributor(ReportDistributor.publishing(bus))   // a webhook notification per recipient
 *     .build();
 * reports.register(bus);
 * }</pre>
 *
 * <p><b>Validation.</b> The file must exist, its size must equal {@code size_bytes} when given, and
 * its content must match {@code report_format}: a PDF starts with {@code %PDF-}, JSON parses (files
 * up to {@link Builder#maxJsonBytes}, 64 MiB by default) as exactly one JSON document (numbers,
 * names and strings of any length; nesting up to the mapper's limit, 1,000 levels by default), with
 * nothing but whitespace after it, HTML starts with {@code <!doctype html} or has {@code <html}
 * anywhere in its first KiB (any case, after a byte-order mark, which may say UTF-16, and
 * whitespace). A failure is logged as {@code invalid} with the reasons and thrown as
 * {@link InvalidEventException}, so the bus makes it a dead letter.
 *
 * <p><b>Log.</b> One line per event: {@code timestamp}, {@code event_id}, {@code type},
 * {@code source} and {@code data} (every field as received), then {@code handled_at},
 * {@code action} and the outcome: {@code valid}; for {@code processed}, {@code actual_size_bytes},
 * {@code sha256}, {@code metadata_file} and {@code distribution} (a status per recipient and
 * distributor, or {@code "disabled"}); for {@code invalid} and {@code rejected} (invalid dynamic
 * data), {@code problems}; for {@code failed} (the metadata file could not be written),
 * {@code error}. Each failure is logged before it is thrown.
 *
 * <p><b>Metadata.</b> The sidecar holds id, type, format, actual size, SHA-256, generated time, the
 * event id and the event's metadata; it is written to a temporary file and moved into place.
 *
 * <p><b>Files.</b> By default any path is accepted; {@link Builder#reportRoots} limits reports
 * to chosen directories, which events from outside the process call for.
 *
 * <p><b>Distribution.</b> Unless {@linkplain Builder#autoDistribute(boolean) turned off}, every
 * distributor is called once per recipient;
 * each failure is recorded for its recipient and the others go on.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class ReportReadyHandler extends LoggingHandler {

  private static final int HTML_HEAD = 1024;

  private final boolean autoDistribute;
  private final List<ReportDistributor> distributors;
  private final long maxJsonBytes;
  private final List<Path> reportRoots;
  private final ObjectMapper mapper = JsonLinesWriter.defaultMapper();

  private ReportReadyHandler(Builder b) {
    super(HandlerLog.open(b.logRoot, "reports", "report_generations.jsonl",
        b.clock != null ? b.clock : Clock.systemUTC(), b.writeErrors));
    this.autoDistribute = b.autoDistribute == null || b.autoDistribute;
    this.distributors = List.copyOf(b.distributors);
    this.maxJsonBytes = b.maxJsonBytes != null ? b.maxJsonBytes : 64L * 1024 * 1024;
    this.reportRoots = b.reportRoots == null ? List.of() : b.reportRoots;
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
   * Subscribes this handler to typed and dynamic report-ready events on a bus.
   *
   * @param bus the bus
   * @return one subscription that ends both
   */
  public Subscription register(EventBus bus) {
    requireNonNull(bus, "bus");
    return new Registration("reports", List.of(
        bus.on(ReportReady.class).name("reports").subscribeEnvelope(e -> handle(e.payload(), e)),
        bus.onType(ReportReady.TYPE).name("reports-json").filter(p -> p instanceof DynamicEvent)
            .subscribeEnvelope(this::handleDynamic)));
  }

  private void handleDynamic(Event<?> envelope) {
    ReportReady report;
    try {
      report = ReportReady.from((DynamicEvent) envelope.payload());
    } catch (InvalidEventException e) {
      Map<String, Object> line = log.line(envelope, "rejected");
      line.put("valid", false);
      line.put("problems", e.problems());
      log.write(line);
      throw e;
    }
    handle(report, envelope);
  }

  /**
   * Validates, writes the sidecar, distributes and logs. Every failure ends in a log line before
   * it is thrown, and a distributor's failure (a refused publish included) is recorded for its
   * recipient, so no report goes unlogged.
   */
  private void handle(ReportReady report, Event<?> envelope) {
    Path file = Path.of(report.reportPath());
    List<String> problems;
    try {
      if (!reportRoots.isEmpty() && Files.isRegularFile(file)) {
        // Links resolved once: everything from the check on reads, records and sends this path,
        // so a link re-pointed after the check (outside the roots, say) changes none of it.
        file = file.toRealPath();
      }
      problems = validate(report, file);
    } catch (IOException e) {
      problems = List.of("report_path could not be read: " + LogText.escape(e.toString()));
    }
    if (!problems.isEmpty()) {
      InvalidEventException invalid = new InvalidEventException(ReportReady.TYPE, problems);
      Map<String, Object> line = log.line(envelope, "invalid");
      line.put("valid", false);
      line.put("problems", invalid.problems());
      log.write(line);
      throw invalid;
    }
    long size;
    String sha256;
    Path sidecar;
    try {
      size = Files.size(file);
      sha256 = Digests.hex(file, "SHA-256");
      sidecar = writeSidecar(report, file, size, sha256, envelope.id());
    } catch (IOException e) {
      Map<String, Object> line = log.line(envelope, "failed");
      line.put("valid", true);
      line.put("error", "the metadata file could not be written: " + e);
      log.write(line);
      throw new HandlerException("report " + LogText.escape(report.reportId())
          + " is valid, but its metadata file"
          + " could not be written", escaped(e));
    }
    List<Error> errors = new ArrayList<>(1);
    Object distribution = autoDistribute ? distribute(report, file, errors) : "disabled";
    Map<String, Object> line = log.line(envelope, "processed");
    line.put("valid", true);
    line.put("actual_size_bytes", size);
    line.put("sha256", sha256);
    line.put("metadata_file", sidecar.toString());
    line.put("distribution", distribution);
    log.write(line);
    if (!errors.isEmpty()) {
      throw errors.get(0); // an Error is the bus's to handle (its failure rule), once logged
    }
  }

  /**
   * The failure as a cause for the bus's log: its message names the event's path, which a log
   * framework prints raw with the stack trace (a path with a line break would forge a line).
   */
  private static IOException escaped(IOException e) {
    IOException copy = new IOException(e.getClass().getName() + ": " + FailureText.of(e));
    copy.setStackTrace(e.getStackTrace());
    return copy;
  }

  /**
   * Calls every distributor once per recipient; returns one status per call. An Error from a
   * distributor is a failed call too, kept in {@code errors} to be thrown once the line is logged.
   */
  private List<Map<String, Object>> distribute(ReportReady report, Path file, List<Error> errors) {
    List<Map<String, Object>> results = new ArrayList<>();
    for (String recipient : report.recipients()) {
      for (ReportDistributor distributor : distributors) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("recipient", recipient);
        try {
          distributor.distribute(report, file, recipient);
          result.put("status", "sent");
        } catch (Exception | Error e) {
          result.put("status", "failed");
          result.put("error", FailureText.of(e));
          if (e instanceof Error error) {
            errors.add(error);
          }
        }
        results.add(result);
      }
    }
    return results;
  }

  /** Whether the file, with links resolved, lies in one of the accepted report directories. */
  private boolean underARoot(Path file) throws IOException {
    Path real = file.toRealPath();
    for (Path root : reportRoots) {
      if (Files.isDirectory(root) && real.startsWith(root.toRealPath())) {
        return true;
      }
    }
    return false;
  }

  /** Returns what is wrong with the report's file; empty if it is valid. */
  private List<String> validate(ReportReady report, Path file) throws IOException {
    List<String> problems = new ArrayList<>();
    if (!Files.isRegularFile(file)) {
      problems.add("report_path: no such file: " + LogText.escape(file.toString()));
      return problems;
    }
    if (!reportRoots.isEmpty() && !underARoot(file)) {
      problems.add("report_path is outside the report directories this handler accepts");
      return problems;
    }
    long size = Files.size(file);
    if (report.sizeBytes() != null && report.sizeBytes() != size) {
      problems.add("size_bytes is " + report.sizeBytes() + " but the file has " + size + " bytes");
    }
    String formatProblem = switch (report.reportFormat()) {
      case PDF -> startsWith(file, "%PDF-".getBytes(StandardCharsets.US_ASCII))
          ? null : "report_format is pdf but the file does not start with %PDF-";
      case JSON -> jsonProblem(file, size);
      case HTML -> htmlPrologue(file)
          ? null : "report_format is html but the file has no <html or <!doctype html prologue";
    };
    if (formatProblem != null) {
      problems.add(formatProblem);
    }
    return problems;
  }

  private static boolean startsWith(Path file, byte[] prefix) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(prefix.length);
      return java.util.Arrays.equals(head, prefix);
    }
  }

  private String jsonProblem(Path file, long size) throws IOException {
    if (size > maxJsonBytes) {
      return "report_format is json but the file (" + size + " bytes) is larger than the "
          + maxJsonBytes + " bytes checked";
    }
    return JsonDocument.problem(file, mapper.getFactory());
  }

  private static boolean htmlPrologue(Path file) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(HTML_HEAD);
    }
    // The byte-order mark says the encoding: UTF-16 in either order, else UTF-8 (with or without
    // its mark; ASCII is UTF-8 too).
    java.nio.charset.Charset charset = head.length >= 2 && (head[0] & 0xFF) == 0xFE
        && (head[1] & 0xFF) == 0xFF ? StandardCharsets.UTF_16BE
        : head.length >= 2 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFE
            ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_8;
    String text = new String(head, charset).replace("\uFEFF", "").strip()
        .toLowerCase(Locale.ROOT);
    return text.startsWith("<!doctype html") || text.contains("<html");
  }

  private Path writeSidecar(ReportReady report, Path file, long size, String sha256, String eventId)
      throws IOException {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("report_id", report.reportId());
    meta.put("report_type", report.reportType().json());
    meta.put("report_format", report.reportFormat().json());
    meta.put("size_bytes", size);
    meta.put("sha256", sha256);
    meta.put("generated_at", report.generatedAt() == null ? null : report.generatedAt().toString());
    meta.put("event_id", eventId);
    meta.put("metadata", report.metadata());
    Path sidecar = file.resolveSibling(file.getFileName() + ".meta.json");
    Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".meta", ".tmp");
    try {
      mapper.writerWithDefaultPrettyPrinter().writeValue(temporary.toFile(), meta);
      Files.move(temporary, sidecar, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temporary);
    }
    return sidecar;
  }

  /** Configures a {@link ReportReadyHandler}. Not thread-safe; each option may be set once. */
  public static final class Builder {
    private Path logRoot;
    private WriteErrorHandler writeErrors;
    private Boolean autoDistribute;
    private final List<ReportDistributor> distributors = new ArrayList<>();
    private Long maxJsonBytes;
    private Clock clock;
    private List<Path> reportRoots;

    private Builder() {}

    /**
     * Sets the log root; the log is {@code <root>/reports/report_generations.jsonl}. Default
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
     * {@link ReportReadyHandler#logStats()}. Default: none, the count and the WARN.
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
     * Turns distribution on or off; default on.
     *
     * @param on whether to distribute
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder autoDistribute(boolean on) {
      this.autoDistribute = Settings.setOnce(this.autoDistribute, on, "autoDistribute");
      return this;
    }

    /**
     * Adds a distributor; may be called several times.
     *
     * @param distributor the distributor
     * @return this builder
     */
    public Builder distributor(ReportDistributor distributor) {
      distributors.add(requireNonNull(distributor, "distributor"));
      return this;
    }

    /**
     * Bounds the size of JSON reports parsed for validation; default 64 MiB.
     *
     * @param bytes a positive size
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxJsonBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxJsonBytes must be positive, but was " + bytes);
      }
      this.maxJsonBytes = Settings.setOnce(this.maxJsonBytes, bytes, "maxJsonBytes");
      return this;
    }

    /**
     * Accepts only reports whose file, with symbolic links resolved, lies in one of these
     * directories; any other is {@code invalid} and neither read further, given a metadata file nor
     * distributed. Links are resolved once, before the check: the checksum, the metadata file
     * (beside the resolved file) and the distributors all get the resolved path, so a link
     * re-pointed meanwhile changes nothing they read. Default: any path. Set it whenever
     * {@code report_ready} events can come from outside the process (a webhook receiver, a Kafka
     * bridge), or such an event could have any readable file mailed and a metadata file written
     * beside it.
     *
     * @param directories the report directories
     * @return this builder
     * @throws IllegalArgumentException if none is given
     * @throws IllegalStateException if already set
     */
    public Builder reportRoots(Path... directories) {
      requireNonNull(directories, "directories");
      if (directories.length == 0) {
        throw new IllegalArgumentException("reportRoots needs at least one directory");
      }
      List<Path> roots = new ArrayList<>();
      for (Path d : directories) {
        roots.add(requireNonNull(d, "directory").toAbsolutePath().normalize());
      }
      this.reportRoots = Settings.setOnce(this.reportRoots, List.copyOf(roots), "reportRoots");
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
    public ReportReadyHandler build() {
      return new ReportReadyHandler(this);
    }
  }
}
