package io.openkruise.agents.testing.tier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * No package of the reactor's main code depends on a package that depends back on it (packages show
 * the architecture: a cycle means two packages are one concept, or one sits at the wrong level).
 * Reads the sources' imports and fully qualified names: ArchUnit would need every module's classes
 * on this module's class path, and this module builds first.
 */
@UnitTier
class NoPackageCycleTest {

  private static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+([\\w.]+);");

  /** An import or a qualified name of ours: the package is the part before the first type. */
  private static final Pattern REFERENCE =
      Pattern.compile("\\b(io\\.openkruise\\.agents(?:\\.[a-z]\\w*)*)\\.[A-Z]\\w*");

  private static final Pattern COMMENTS = Pattern.compile("(?s)/\\*.*?\\*/|//[^\\n]*");

  @Test
  void mainCodeHasNoPackageCycle() throws IOException {
    Map<String, Set<String>> uses = dependencies();
    assertThat(uses).as("packages under %s", ReactorSources.ROOT).hasSizeGreaterThan(30);

    Set<String> cycles = new TreeSet<>();
    uses.forEach(
        (from, targets) -> {
          for (String to : targets) {
            List<String> back = path(uses, to, from);
            if (!back.isEmpty()) {
              cycles.add(from + " -> " + String.join(" -> ", back));
            }
          }
        });
    assertThat(cycles).as("package cycles in main code").isEmpty();
  }

  /** Package to the packages of ours it uses, over every module's src/main/java. */
  private static Map<String, Set<String>> dependencies() throws IOException {
    Map<String, Set<String>> uses = new HashMap<>();
    for (Path file : ReactorSources.under("/src/main/java/")) {
      String code = COMMENTS.matcher(ReactorSources.read(file)).replaceAll("");
      Matcher pkg = PACKAGE.matcher(code);
      if (!pkg.find()) {
        continue;
      }
      Set<String> targets = uses.computeIfAbsent(pkg.group(1), p -> new TreeSet<>());
      Matcher ref = REFERENCE.matcher(code.substring(pkg.end()));
      while (ref.find()) {
        if (!ref.group(1).equals(pkg.group(1))) {
          targets.add(ref.group(1));
        }
      }
    }
    return uses;
  }

  /** A shortest path of uses from {@code from} to {@code to}, both included; empty when none. */
  private static List<String> path(Map<String, Set<String>> uses, String from, String to) {
    Map<String, String> cameFrom = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>(List.of(from));
    Set<String> seen = new HashSet<>(List.of(from));
    while (!queue.isEmpty()) {
      String at = queue.poll();
      if (at.equals(to)) {
        List<String> path = new ArrayList<>();
        for (String p = to; p != null; p = cameFrom.get(p)) {
          path.add(0, p);
        }
        return path;
      }
      for (String next : uses.getOrDefault(at, Set.of())) {
        if (seen.add(next)) {
          cameFrom.put(next, at);
          queue.add(next);
        }
      }
    }
    return List.of();
  }
}
