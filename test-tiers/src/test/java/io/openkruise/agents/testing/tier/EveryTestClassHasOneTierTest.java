package io.openkruise.agents.testing.tier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A test class without a tier annotation runs only when {@code -Dtiers} is empty, so the fast CI
 * job ({@code -Dtiers=unit,mock}) would skip it without a word: every test source of the reactor
 * that declares tests carries exactly one tier. Reads the sources, since test classes of other
 * modules are not on this module's class path.
 */
@UnitTier
class EveryTestClassHasOneTierTest {

  private static final Pattern DECLARES_TESTS =
      Pattern.compile("@(Test|ParameterizedTest|RepeatedTest|TestFactory|QuarkusTest)\\b");
  private static final Pattern TIER =
      Pattern.compile(
          "@(?:io\\.openkruise\\.agents\\.testing\\.tier\\.)?(Unit|Mock|Cluster|E2e)Tier\\b");

  @Test
  void everyTestSourceCarriesExactlyOneTier() throws IOException {
    Path reactor = Path.of("").toAbsolutePath().getParent();
    List<Path> sources = testSources(reactor);
    assertThat(sources).as("test sources found under %s", reactor).hasSizeGreaterThan(100);

    List<String> wrong =
        sources.stream()
            .filter(f -> DECLARES_TESTS.matcher(read(f)).find() && tiers(read(f)) != 1)
            .map(f -> reactor.relativize(f) + " has " + tiers(read(f)) + " tier annotations")
            .toList();
    assertThat(wrong).as("test classes without exactly one tier (docs/testing.md)").isEmpty();
  }

  private static List<Path> testSources(Path reactor) throws IOException {
    try (Stream<Path> files = Files.walk(reactor)) {
      return files
          .filter(f -> f.toString().endsWith(".java"))
          .filter(f -> f.toString().contains("/src/test/java/"))
          .filter(f -> !f.toString().contains("/target/") && !f.toString().contains("/.git/"))
          .filter(f -> !f.toString().contains("/node_modules/"))
          .toList();
    }
  }

  private static int tiers(String source) {
    Matcher m = TIER.matcher(source);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
