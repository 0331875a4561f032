package io.openkruise.agents.testing.tier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The Java sources of every module of the reactor, for the checks that read them. */
final class ReactorSources {

  /** The reactor's root: tests run in this module's directory. */
  static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private ReactorSources() {}

  /** Java files under a source root such as {@code /src/main/java/}; build output left out. */
  static List<Path> under(String sourceRoot) throws IOException {
    try (Stream<Path> files = Files.walk(ROOT)) {
      return files
          .filter(f -> f.toString().endsWith(".java"))
          .filter(f -> f.toString().contains(sourceRoot))
          .filter(f -> !f.toString().contains("/target/") && !f.toString().contains("/.git/"))
          .filter(f -> !f.toString().contains("/node_modules/"))
          .toList();
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
