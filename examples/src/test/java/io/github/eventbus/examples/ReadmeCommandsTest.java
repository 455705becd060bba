package io.github.eventbus.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the README's shell commands true: every command in a {@code bash} block that reads the
 * demo's logs ({@code demo-logs/...}) runs, as written, against what the demo really writes, and
 * must succeed and print something. The one change: {@code tail -f} becomes {@code tail -n 50},
 * since following a file never ends.
 */
class ReadmeCommandsTest {

  @TempDir Path work;

  @Test
  void everyReadmeCommandOnTheDemoLogs_runsAsWritten_andPrintsSomething() throws Exception {
    List<String> commands = demoLogCommands(
        Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8));
    assertThat(commands).as("README commands that read demo-logs/").hasSizeGreaterThanOrEqualTo(4);
    assertThat(onPath("jq")).as("jq must be installed to check the README's jq commands"
        + " (apt-get install jq); .ci/run installs it").isTrue();

    try (PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
      Demo.run(quiet, work.resolve("demo-logs"));
    }

    for (String command : commands) {
      String runnable = command.replace("tail -f ", "tail -n 50 ");
      Process p = new ProcessBuilder("bash", "-o", "pipefail", "-c", runnable)
          .directory(work.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("finished: %s", command).isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as("exit status of %s; stderr: %s", command, err).isZero();
      assertThat(err).as("stderr of %s", command).isEmpty();
      assertThat(out.strip()).as("output of %s", command).isNotEmpty();
    }
  }

  /** The lines of the README's bash blocks that read the demo's logs, comments left out. */
  static List<String> demoLogCommands(String readme) {
    List<String> commands = new ArrayList<>();
    String[] parts = readme.split("```bash\n");
    for (int i = 1; i < parts.length; i++) {
      for (String line : parts[i].substring(0, parts[i].indexOf("```")).split("\n")) {
        String command = line.strip();
        if (!command.startsWith("#") && command.contains("demo-logs/")) {
          commands.add(command);
        }
      }
    }
    return commands;
  }

  private static boolean onPath(String program) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-c", "command -v " + program).start();
    return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
  }
}
