package io.github.eventbus.webhooks;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures what one logger writes, for assertions on log lines. */
final class LogCapture implements AutoCloseable {

  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  LogCapture(Class<?> loggerOf) {
    logger = (Logger) LoggerFactory.getLogger(loggerOf);
    appender.start();
    logger.addAppender(appender);
  }

  /** Lets lines from {@code level} up through, whatever the test configuration says. */
  void enable(Level level) {
    logger.setLevel(level);
  }

  /** The formatted lines at {@code level}. */
  List<String> lines(Level level) {
    synchronized (appender) { // AppenderBase.doAppend holds this lock
      return appender.list.stream().filter(e -> e.getLevel() == level)
          .map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(null);
    appender.stop();
  }
}
