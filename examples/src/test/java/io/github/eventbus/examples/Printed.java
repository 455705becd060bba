package io.github.eventbus.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What an example prints to {@code System.out} while it runs. It swaps the JVM's standard output,
 * so only for examples that print there; this module's tests run one at a time.
 */
final class Printed {

  /** An example's entry point. */
  @FunctionalInterface
  interface Example {
    void run() throws Exception;
  }

  private Printed() {}

  /** Runs {@code example} and returns what it printed to {@code System.out}. */
  static String by(Example example) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      example.run();
    } finally {
      System.setOut(original);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
