package io.openkruise.agents.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/install.md's "Values" table must match values.yaml: every value documented, nothing
 * documented that the chart does not have.
 *
 * <p>A table row's first cell names values in backticks: the first is a full path ({@code a.b.c} or
 * {@code a.b.*}); {@code .x} names a sibling of the last segment ({@code a.b.x}); a bare {@code x}
 * names a sibling of the path's parent ({@code a.x}). A documented path covers itself and
 * everything under it.
 */
@io.openkruise.agents.testing.tier.UnitTier
class InstallDocsTest {

  private static final Path INSTALL_DOC =
      Path.of(System.getProperty("docs.dir", "../docs")).resolve("install.md");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  @Test
  void everyValueIsDocumentedAndEveryDocumentedValueExists() throws IOException {
    TreeSet<String> leaves = new TreeSet<>();
    collectLeaves("", values(), leaves);
    List<String> documented = documentedPaths(valuesSection(Files.readString(INSTALL_DOC)));

    assertThat(documented).as("value paths in the table of %s", INSTALL_DOC).isNotEmpty();
    List<String> undocumented =
        leaves.stream()
            .filter(leaf -> documented.stream().noneMatch(d -> covers(d, leaf)))
            .toList();
    assertThat(undocumented).as("values.yaml keys missing from docs/install.md").isEmpty();
    List<String> stale =
        documented.stream().filter(d -> leaves.stream().noneMatch(l -> covers(d, l))).toList();
    assertThat(stale).as("docs/install.md names values the chart does not have").isEmpty();
  }

  @Test
  void theRowGrammarExpandsSiblings() {
    assertThat(documentedPaths("| `a.b.c` / `.d` | x |\n| `e.f.*`, `g` | y |\n| value | z |"))
        .containsExactly("a.b.c", "a.b.d", "e.f", "e.g");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> values() throws IOException {
    return new KubernetesSerialization()
        .unmarshal(Files.readString(Rendered.CHART.resolve("values.yaml")), Map.class);
  }

  @SuppressWarnings("unchecked")
  private static void collectLeaves(String prefix, Map<String, Object> map, TreeSet<String> out) {
    map.forEach(
        (key, value) -> {
          String path = prefix.isEmpty() ? key : prefix + "." + key;
          if (value instanceof Map<?, ?> child && !child.isEmpty()) {
            collectLeaves(path, (Map<String, Object>) child, out);
          } else {
            out.add(path);
          }
        });
  }

  /** The text under the "## Values" heading, up to the next second-level heading. */
  static String valuesSection(String markdown) {
    int start = markdown.indexOf("\n## Values\n");
    assertThat(start).as("a '## Values' section in %s", INSTALL_DOC).isNotNegative();
    int end = markdown.indexOf("\n## ", start + 1);
    return end < 0 ? markdown.substring(start) : markdown.substring(start, end);
  }

  static List<String> documentedPaths(String markdown) {
    List<String> paths = new ArrayList<>();
    for (String line : markdown.split("\n")) {
      if (!line.startsWith("| `")) {
        continue;
      }
      String firstCell = line.substring(1, line.indexOf('|', 1));
      Matcher m = CODE.matcher(firstCell);
      String base = null;
      while (m.find()) {
        String token = m.group(1).strip();
        if (base == null) {
          base = token.endsWith(".*") ? token.substring(0, token.length() - 2) : token;
          paths.add(base);
        } else if (token.startsWith(".")) {
          paths.add(parent(base) + token);
        } else {
          paths.add(parent(base) + "." + token);
        }
      }
    }
    return paths;
  }

  private static String parent(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? "" : path.substring(0, dot);
  }

  private static boolean covers(String documented, String leaf) {
    return leaf.equals(documented) || leaf.startsWith(documented + ".");
  }
}
