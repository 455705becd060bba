package io.github.eventbus.handlers;

import io.github.eventbus.internal.Settings;
import jakarta.activation.DataHandler;
import jakarta.activation.FileDataSource;
import jakarta.mail.Authenticator;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Everything of {@link SmtpReportDistributor} that names a Jakarta Mail type. Jakarta Mail is an
 * optional dependency: the JVM loads the types a class names when it verifies that class, so they
 * live here, in a class first used after the distributor has checked that Jakarta Mail is there.
 * Immutable and thread-safe.
 */
final class SmtpSession {

  private final Session session;
  private final InternetAddress from;

  SmtpSession(String host, int port, String from, String heloName, String username,
      String password, boolean startTls, Duration connect, Duration read) {
    this.from = address(from, "from");
    Properties props = new Properties();
    props.put("mail.smtp.host", host);
    props.put("mail.smtp.port", String.valueOf(port));
    // The Message-ID's domain: without it, Jakarta Mail looks up the machine's host name (a DNS
    // lookup no timeout bounds) and writes the JVM's user name into every message.
    props.put("mail.from", from);
    if (heloName != null) {
      props.put("mail.smtp.localhost", heloName);
    }
    // Jakarta Mail reads these as ints.
    String connectMillis = String.valueOf(Math.min(Integer.MAX_VALUE, Settings.millis(connect)));
    String readMillis = String.valueOf(Math.min(Integer.MAX_VALUE, Settings.millis(read)));
    props.put("mail.smtp.connectiontimeout", connectMillis);
    props.put("mail.smtp.timeout", readMillis);
    props.put("mail.smtp.writetimeout", readMillis);
    // Times the writes. Left to Jakarta Mail, every connection starts a thread of its own,
    // unnamed and not a daemon; this one is named, a daemon, and ends after a second idle.
    props.put("mail.smtp.executor.writetimeout", writeTimer());
    // A read timeout bounds each wait; this bounds the whole exchange of one message, which a
    // server answering a little at a time could otherwise hold (and the bus worker with it).
    props.put("mail.smtp.socketFactory",
        new DeadlineSocketFactory(connect.plus(read.multipliedBy(5)), connect, read));
    props.put("mail.smtp.socketFactory.fallback", "false");
    props.put("mail.smtp.starttls.enable", String.valueOf(startTls));
    props.put("mail.smtp.starttls.required", String.valueOf(startTls));
    props.put("mail.smtp.auth", String.valueOf(username != null));
    Authenticator auth = username == null ? null : new Authenticator() {
      @Override
      protected PasswordAuthentication getPasswordAuthentication() {
        return new PasswordAuthentication(username, password);
      }
    };
    this.session = Session.getInstance(props, auth);
  }

  private static ScheduledThreadPoolExecutor writeTimer() {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "report-mail-write-timer");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true); // a write's timeout is cancelled once it is written
    timer.setKeepAliveTime(1, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
    return timer;
  }

  /**
   * Checks an address as the builder takes it (strictly, one address).
   *
   * @throws IllegalArgumentException naming the setting if it is not a valid address
   */
  static String checkAddress(String address, String name) {
    address(address, name);
    return address;
  }

  private static InternetAddress address(String address, String name) {
    try {
      return new InternetAddress(address, true);
    } catch (AddressException e) {
      throw new IllegalArgumentException(name + " is not a valid e-mail address: " + address, e);
    }
  }

  /**
   * Sends one message: a UTF-8 text part and, if {@code attachment} is not null, that file.
   * The {@code Date} header is {@code date} in UTC: left unset, Jakarta Mail stamps the JVM's
   * wall clock in its default time zone.
   */
  void send(String recipient, String subject, String text, Path attachment, Instant date)
      throws MessagingException {
    MimeMessage message = new MimeMessage(session);
    message.setFrom(from);
    message.setHeader("Date",
        DateTimeFormatter.RFC_1123_DATE_TIME.format(date.atOffset(ZoneOffset.UTC)));
    InternetAddress to = new InternetAddress(recipient, true);
    if (to.isGroup()) {
      // A group ("team: a@x, b@y;") is a list of addresses: one recipient must be one mailbox,
      // or the log shows one "sent" for many, and a failure for one member fails all.
      throw new AddressException("a group address is not one recipient", recipient);
    }
    message.setRecipient(Message.RecipientType.TO, to);
    message.setSubject(subject, "UTF-8");
    MimeBodyPart body = new MimeBodyPart();
    body.setText(text, "UTF-8");
    MimeMultipart content = new MimeMultipart();
    content.addBodyPart(body);
    if (attachment != null) {
      MimeBodyPart part = new MimeBodyPart();
      part.setDataHandler(new DataHandler(new FileDataSource(attachment.toFile())));
      // A line break in the name would end the part's header line and start a header of the
      // file name's choosing.
      part.setFileName(attachment.getFileName().toString().replaceAll("\\p{Cntrl}", "_"));
      content.addBodyPart(part);
    }
    message.setContent(content);
    Transport.send(message);
  }
}
