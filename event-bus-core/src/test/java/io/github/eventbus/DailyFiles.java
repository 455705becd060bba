package io.github.eventbus;

import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;

/**
 * The name of a daily JSON Lines file as a writer with this clock names it, so that tests derive
 * dated names from their injected clock instead of writing the date out.
 */
public final class DailyFiles {

  private DailyFiles() {}

  /**
   * Returns {@code <prefix>_YYYYMMDD.jsonl} for the clock's current day in the clock's zone.
   *
   * @param prefix the file prefix, such as {@code events}
   * @param clock the clock the writer was given
   * @return the file name
   */
  public static String name(String prefix, Clock clock) {
    return prefix + "_" + LocalDate.ofInstant(clock.instant(), clock.getZone())
        .format(DateTimeFormatter.BASIC_ISO_DATE) + ".jsonl";
  }
}
