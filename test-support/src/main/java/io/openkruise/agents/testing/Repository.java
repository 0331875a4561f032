package io.openkruise.agents.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find the repository's files (the chart, the built apps, image tars). */
public final class Repository {

  private Repository() {}

  /** The repository root: the working directory (a module's, under Maven) or a parent of it. */
  public static Path root() {
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("helm/kruise-agents/Chart.yaml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find the repository root from " + start);
  }
}
