package io.openkruise.agents.testing.tier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    List<Path> sources = ReactorSources.under("/src/test/java/");
    assertThat(sources).as("test sources under %s", ReactorSources.ROOT).hasSizeGreaterThan(100);

    List<String> wrong = new ArrayList<>();
    for (Path file : sources) {
      String code = ReactorSources.read(file);
      int tiers = tiers(code);
      if (DECLARES_TESTS.matcher(code).find() && tiers != 1) {
        wrong.add(ReactorSources.ROOT.relativize(file) + " has " + tiers + " tier annotations");
      }
    }
    assertThat(wrong).as("test classes without exactly one tier (docs/testing.md)").isEmpty();
  }

  private static int tiers(String source) {
    Matcher m = TIER.matcher(source);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
