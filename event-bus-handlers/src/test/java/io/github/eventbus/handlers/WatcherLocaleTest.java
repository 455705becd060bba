package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watcher in a JVM whose file-name encoding is not UTF-8 (the C locale many containers use). */
@Tag("slow")
class WatcherLocaleTest {

  @TempDir Path dir;

  /** The child's next line of its own, past what its logging prints; null at the end. */
  private static String ours(BufferedReader out) throws java.io.IOException {
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("READY")
        && !line.startsWith("CHANGE")) {
      // logging's start-up notes
    }
    return line;
  }

  @Test
  void aNameTheEncodingCannotHold_isNotReported_andWatchingGoesOn() throws Exception {
    assumeThat(System.getProperty("os.name")).startsWith("Linux");
    // This JVM names the file in UTF-8; the child reads the directory in ASCII.
    assumeThat(System.getProperty("sun.jnu.encoding")).isEqualTo("UTF-8");
    ProcessBuilder child = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        WatcherLocaleChild.class.getName(), dir.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    child.environment().keySet().removeIf(k -> k.startsWith("LC_") || k.equals("LANG"));
    child.environment().put("LC_ALL", "C");
    Process process = child.start();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
      String ready = ours(out);
      assertThat(ready).startsWith("READY");
      assumeThat(ready).as("the C locale's file-name encoding").isNotEqualTo("READY UTF-8");

      Files.writeString(dir.resolve("caf\u00e9.txt"), "one"); // its bytes are UTF-8, not ASCII
      Files.writeString(dir.resolve("after.txt"), "two");
      // The first change cannot be named in the child's encoding; the second still arrives.
      String line;
      while ((line = ours(out)) != null && !line.equals("CHANGE after.txt")) {
        assertThat(line).startsWith("CHANGE");
      }
      assertThat(line).isEqualTo("CHANGE after.txt");
    } finally {
      process.getOutputStream().close();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
      }
    }
  }
}
