package io.github.eventbus.handlers;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.internal.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;

/**
 * Sends reports by e-mail over SMTP (Jakarta Mail): one message per recipient, with the report
 * attached, or, for files above the attachment limit or in link mode, a link to it.
 *
 * <pre>{@code
 * ReportDistributor mail = SmtpReportDistributor.builder("smtp.example.com", 587)
 *     .from("reports@example.com")
 *     .credentials("reports", System.getenv("SMTP_PASSWORD"))
 *     .startTls(true)
 *     .build();
 * }</pre>
 *
 * <p>The password is never logged and {@link #toString()} does not show it. Connect and read
 * timeouts are explicit (default 10 s each), and the whole exchange of one message ends within
 * the connect timeout plus five read timeouts (60 s by default), even with a server that answers
 * a little at a time; DNS lookups are outside that bound (the server's name, and this machine's
 * for {@code EHLO} unless {@link Builder#heloName} gives it). The {@code Message-ID} takes the
 * sender's domain. Each message's {@code Date} header comes from the
 * distributor's {@linkplain Builder#clock(Clock) clock}, in UTC, whatever the JVM's time zone.
 * A server may send at most 1 MiB over one message's connection (its replies are a few
 * kilobytes), so one that never ends a reply line cannot fill the heap. A recipient is one
 * mailbox: a group address ({@code team: a@x, b@y;}) fails as invalid. A CR, LF or other ASCII
 * control character in the attached file's name is sent as {@code _}.
 * Writes are timed by one daemon thread of the distributor's, {@code report-mail-write-timer},
 * which ends after a second without a message being sent (nothing to shut down).
 *
 * <p><b>Thread-safety:</b> immutable and thread-safe.
 */
public final class SmtpReportDistributor implements ReportDistributor {

  private final String host;
  private final int port;
  private final String from;
  private final String username;
  private final boolean startTls;
  private final long maxAttachmentBytes;
  private final Function<Path, String> link; // null: always attach when small enough
  private final Clock clock;
  private final SmtpSession session;

  private SmtpReportDistributor(Builder b) {
    this.host = b.host;
    this.port = b.port;
    this.from = b.from;
    this.username = b.username;
    this.startTls = Boolean.TRUE.equals(b.startTls);
    this.maxAttachmentBytes =
        b.maxAttachmentBytes != null ? b.maxAttachmentBytes : 10L * 1024 * 1024;
    this.link = b.link;
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    try {
      this.session = new SmtpSession(host, port, from, b.heloName, username, b.password, startTls,
          b.connectTimeout != null ? b.connectTimeout : Duration.ofSeconds(10),
          b.readTimeout != null ? b.readTimeout : Duration.ofSeconds(10));
    } catch (IllegalStateException noProvider) {
      // The Jakarta Mail API without an implementation: jakarta.mail-api alone, say.
      if (!String.valueOf(noProvider.getMessage()).contains("Provider")) {
        throw noProvider;
      }
      throw new HandlerException("SmtpReportDistributor found the Jakarta Mail API but no"
          + " implementation of it (" + noProvider.getMessage() + "): add the dependency"
          + " org.eclipse.angus:angus-mail (2.0 or later)", noProvider);
    }
  }

  /**
   * Starts configuring a distributor for an SMTP server.
   *
   * @param host the server's host
   * @param port its port, such as 25, 587 or 2525
   * @return a builder
   * @throws IllegalArgumentException if the port is not 1 to 65535
   * @throws HandlerException if Jakarta Mail is not on the class path (the handlers module leaves
   *     it optional: add {@code org.eclipse.angus:angus-mail})
   */
  public static Builder builder(String host, int port) {
    requireJakartaMail(SmtpReportDistributor.class.getClassLoader());
    requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1 to 65535, but was " + port);
    }
    return new Builder(host, port);
  }

  /** Fails with a message that says what to add, rather than a NoClassDefFoundError later. */
  static void requireJakartaMail(ClassLoader loader) {
    try {
      Class.forName("jakarta.mail.Session", false, loader);
    } catch (ClassNotFoundException e) {
      throw new HandlerException("SmtpReportDistributor needs Jakarta Mail, which"
          + " event-bus-handlers declares optional: add the dependency"
          + " org.eclipse.angus:angus-mail (2.0 or later)", e);
    }
  }

  /**
   * Sends one message to the recipient: the report attached, or a link to it.
   *
   * @throws IOException if the report file cannot be read
   * @throws Exception a {@code jakarta.mail.MessagingException} if the address is not valid or
   *     the server refuses or fails the message (declared as {@code Exception} so that the class
   *     names no Jakarta Mail type, which reflection over it would have to load)
   */
  @Override
  public void distribute(ReportReady report, Path file, String recipient) throws Exception {
    long size = Files.size(file);
    boolean attach = link == null && size <= maxAttachmentBytes;
    StringBuilder text = new StringBuilder()
        .append("The ").append(report.reportType().json()).append(" report ")
        .append(report.reportId()).append(" (").append(report.reportFormat().json()).append(", ")
        .append(size).append(" bytes) is ready.\n");
    if (!attach) {
      text.append("\nIt is available at: ")
          .append(link != null ? link.apply(file) : file.toAbsolutePath().toString()).append('\n');
    }
    session.send(recipient,
        "Report ready: " + report.reportId() + " (" + report.reportType().json() + ")",
        text.toString(), attach ? file : null, clock.instant());
  }

  @Override
  public String toString() {
    return "SmtpReportDistributor{" + host + ":" + port + ", from=" + from
        + (username != null ? ", user=" + username + ", password=***" : "")
        + (startTls ? ", starttls" : "") + "}";
  }

  /** Configures an {@link SmtpReportDistributor}. Not thread-safe; each option may be set once. */
  public static final class Builder {
    private static final java.util.regex.Pattern HELO_NAME = java.util.regex.Pattern.compile(
        "[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*|\\[(IPv6:)?[0-9A-Fa-f:.]+]");
    private final String host;
    private final int port;
    private String from;
    private String heloName;
    private String username;
    private String password;
    private Boolean startTls;
    private Long maxAttachmentBytes;
    private Function<Path, String> link;
    private Duration connectTimeout;
    private Duration readTimeout;
    private Clock clock;

    private Builder(String host, int port) {
      this.host = host;
      this.port = port;
    }

    /**
     * Sets the sender address; required.
     *
     * @param address an e-mail address
     * @return this builder
     * @throws IllegalArgumentException if it is not a valid address
     * @throws IllegalStateException if already set
     */
    public Builder from(String address) {
      requireNonNull(address, "from");
      this.from = Settings.setOnce(this.from, SmtpSession.checkAddress(address, "from"), "from");
      return this;
    }

    /**
     * Sets the name this client gives itself in {@code EHLO}: its fully qualified domain name, or
     * an address literal such as {@code [192.0.2.7]}. Without it, Jakarta Mail looks up the
     * machine's canonical host name, a DNS lookup that no timeout of this distributor bounds
     * (a machine whose reverse DNS does not answer waits for the resolver's own timeout).
     *
     * @param name a domain name ({@code A-Z a-z 0-9 -}, dot-separated) or an address literal
     * @return this builder
     * @throws IllegalArgumentException if it is neither
     * @throws IllegalStateException if already set
     */
    public Builder heloName(String name) {
      requireNonNull(name, "heloName");
      if (name.length() > 255 || !HELO_NAME.matcher(name).matches()) {
        // never quoted: it would go on the wire after EHLO, and so into a log line here
        throw new IllegalArgumentException("heloName must be a domain name or an address literal"
            + " such as [192.0.2.7]");
      }
      this.heloName = Settings.setOnce(this.heloName, name, "heloName");
      return this;
    }

    /**
     * Authenticates with a user name and password.
     *
     * @param username the user
     * @param password the password; never logged or printed
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder credentials(String username, String password) {
      this.username = Settings.setOnce(this.username, username, "credentials");
      this.password = requireNonNull(password, "password");
      return this;
    }

    /**
     * Requires STARTTLS; default off (use it for any server outside the machine).
     *
     * @param on whether to require STARTTLS
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder startTls(boolean on) {
      this.startTls = Settings.setOnce(this.startTls, on, "startTls");
      return this;
    }

    /**
     * Attaches files up to this size and links larger ones; default 10 MiB.
     *
     * @param bytes a positive size
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxAttachmentBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxAttachmentBytes must be positive, but was " + bytes);
      }
      this.maxAttachmentBytes =
          Settings.setOnce(this.maxAttachmentBytes, bytes, "maxAttachmentBytes");
      return this;
    }

    /**
     * Links every report instead of attaching it, with the link a function makes from its path
     * (for example a URL on a file server).
     *
     * @param link makes the link of a report file
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder linkInsteadOfAttaching(Function<Path, String> link) {
      this.link = Settings.setOnce(this.link, link, "link");
      return this;
    }

    /**
     * Sets the connect timeout and the read/write timeout; default 10 s each. One message's whole
     * exchange ends within the connect timeout plus five read timeouts.
     *
     * @param connect the connect timeout
     * @param read the read and write timeout
     * @return this builder
     * @throws IllegalArgumentException if a timeout is not positive
     * @throws IllegalStateException if already set
     */
    public Builder timeouts(Duration connect, Duration read) {
      Duration checkedRead = Settings.positive(read, "read");
      this.connectTimeout = Settings.setOnce(this.connectTimeout,
          Settings.positive(connect, "connect"), "timeouts");
      this.readTimeout = checkedRead;
      return this;
    }

    /**
     * Sets the clock of the messages' {@code Date} header (written in UTC); default the system
     * clock.
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
     * Builds the distributor.
     *
     * @return the distributor
     * @throws IllegalStateException if {@code from} was not set
     * @throws HandlerException if the Jakarta Mail API is on the class path without an
     *     implementation (add {@code org.eclipse.angus:angus-mail})
     */
    public SmtpReportDistributor build() {
      if (from == null) {
        throw new IllegalStateException("from is required: set the sender address with from(...)");
      }
      return new SmtpReportDistributor(this);
    }
  }
}
