package io.github.eventbus.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README honest: every ```java block in it must stand, line for line (indentation
 * aside), in a source file of this module, which the build compiles and the smoke tests run.
 */
class ReadmeTest {

  private static String normalise(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty())
        .collect(Collectors.joining("\n"));
  }

  @Test
  void everyJavaBlockOfTheReadme_isCompiledExampleCode() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    List<String> blocks = new ArrayList<>();
    String[] parts = readme.split("```java\n");
    for (int i = 1; i < parts.length; i++) {
      blocks.add(parts[i].substring(0, parts[i].indexOf("```")));
    }
    StringBuilder sources = new StringBuilder();
    try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        sources.append(normalise(Files.readString(f, StandardCharsets.UTF_8))).append('\n');
      }
    }
    String compiled = sources.toString();

    assertThat(blocks).isNotEmpty();
    for (String block : blocks) {
      assertThat(compiled).as("README block not found in examples/src/main/java:%n%s", block)
          .contains(normalise(block));
    }
  }
}
