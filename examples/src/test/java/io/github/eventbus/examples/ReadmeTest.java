package io.github.eventbus.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README honest: every ```java block in it must stand, line for line (indentation
 * aside), in a source file of this module, which the build compiles and the smoke tests run; a
 * link to that file (with its imports) must follow the block; and the block must be whole, with
 * balanced braces and parentheses.
 */
class ReadmeTest {

  private static String normalise(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty())
        .collect(Collectors.joining("\n"));
  }

  @Test
  void everyJavaBlockOfTheReadme_isCompiledExampleCode_linkedRightBesideIt() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    Map<Path, String> sources = new TreeMap<>();
    try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        sources.put(f, normalise(Files.readString(f, StandardCharsets.UTF_8)));
      }
    }
    String[] parts = readme.split("```java\n");
    assertThat(parts.length).isGreaterThan(1);
    for (int i = 1; i < parts.length; i++) {
      String block = parts[i].substring(0, parts[i].indexOf("```"));
      String rest = parts[i].substring(parts[i].indexOf("```") + 3);
      String after = rest.substring(0, Math.min(rest.length(), 300));
      List<Path> containing = sources.entrySet().stream()
          .filter(e -> e.getValue().contains(normalise(block))).map(Map.Entry::getKey).toList();
      assertThat(containing).as("README block not found in examples/src/main/java:%n%s", block)
          .isNotEmpty();
      assertThat(containing.stream().anyMatch(f -> after.contains("](examples/" + f.toString()
              .replace(java.io.File.separatorChar, '/') + ")")))
          .as("a link to the file that holds it, right after the block:%n%s", block).isTrue();
      assertThat(count(block, '{')).as("balanced braces in:%n%s", block).isEqualTo(count(block, '}'));
      assertThat(count(block, '(')).as("balanced parentheses in:%n%s", block)
          .isEqualTo(count(block, ')'));
    }
  }

  private static long count(String text, char c) {
    return text.chars().filter(ch -> ch == c).count();
  }
}
