package io.openkruise.agents.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart and deploy/base carry copies of the CRDs api-types generates (Helm needs them inside
 * the chart). Refresh with {@code ./mvnw -B -pl api-types,helm -am -Prefresh-crds
 * process-test-resources}; never edit them by hand.
 */
@io.openkruise.agents.testing.tier.UnitTier
class CrdDriftTest {

  static final List<String> CRDS =
      List.of(
          "sandboxes.agents.kruise.io-v1.yml",
          "sandboxsets.agents.kruise.io-v1.yml",
          "sandboxclaims.agents.kruise.io-v1.yml");

  private static String generated(String name) throws IOException {
    try (InputStream in = CrdDriftTest.class.getResourceAsStream("/crds/" + name)) {
      assertThat(in).as("api-types jar has crds/" + name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"chart", "deploy"})
  void copiesEqualTheGeneratedCrds(String where) throws IOException {
    Path dir =
        where.equals("chart")
            ? Rendered.CHART.resolve("crds")
            : Rendered.DEPLOY.resolve("base/crds");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yml")))
          .as("CRD files in " + dir)
          .containsExactlyInAnyOrderElementsOf(CRDS);
    }
    for (String name : CRDS) {
      assertThat(Files.readString(dir.resolve(name)))
          .as(dir.resolve(name) + " drifted from api-types; run the refresh-crds profile")
          .isEqualTo(generated(name));
    }
  }
}
