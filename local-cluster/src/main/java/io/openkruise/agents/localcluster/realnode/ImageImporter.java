package io.openkruise.agents.localcluster.realnode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts images into a {@link RealNode}'s containerd without a registry: Docker "save" archives (our
 * Jib {@code target/jib-image.tar}s, the base and sandbox images of {@code images/bin}) are
 * imported with {@code ctr images import}, under the references their {@code manifest.json} names.
 * Pods then find them with {@code imagePullPolicy: Never} or {@code IfNotPresent}; kubelet never
 * pulls.
 */
public final class ImageImporter {
  /** The modules whose Jib tar the chart and the example pool run. */
  public static final List<String> APP_MODULES =
      List.of("controller-manager", "sandbox-manager", "agent-runtime");

  private final RealNode node;

  public ImageImporter(RealNode node) {
    this.node = node;
  }

  /**
   * Imports one archive.
   *
   * @return the image references it carries (e.g. {@code
   *     docker.io/openkruise/kruise-agents-sandbox-manager:0.1.0})
   */
  public List<String> importTar(Path tar) {
    List<String> refs = repoTags(tar);
    node.importImage(tar);
    return refs;
  }

  /** Imports the app images of {@link #APP_MODULES} under {@code projectRoot}. */
  public List<String> importAppImages(Path projectRoot) {
    List<String> refs = new ArrayList<>();
    for (Path tar : appImageTars(projectRoot)) {
      refs.addAll(importTar(tar));
    }
    return refs;
  }

  /**
   * The Jib tars of {@link #APP_MODULES}.
   *
   * @throws IllegalStateException naming the build that writes a missing one
   */
  public static List<Path> appImageTars(Path projectRoot) {
    List<Path> tars = new ArrayList<>();
    for (String module : APP_MODULES) {
      Path tar = projectRoot.resolve(module).resolve("target/jib-image.tar");
      if (!Files.isRegularFile(tar)) {
        throw new IllegalStateException(
            tar
                + " is missing: build the images with ./mvnw -pl "
                + String.join(",", APP_MODULES)
                + " -am package -DskipTests");
      }
      tars.add(tar);
    }
    return tars;
  }

  /** The {@code RepoTags} of a Docker "save" archive's {@code manifest.json}. */
  public static List<String> repoTags(Path tar) {
    HostCommand.Result r =
        HostCommand.run(
            List.of("tar", "-xOf", tar.toString(), "manifest.json"), Duration.ofMinutes(2));
    if (r.rc() != 0) {
      throw new IllegalStateException(tar + " has no readable manifest.json:\n" + r.output());
    }
    return repoTagsOf(r.output());
  }

  static List<String> repoTagsOf(String manifestJson) {
    try {
      List<String> refs = new ArrayList<>();
      for (JsonNode image : new ObjectMapper().readTree(manifestJson)) {
        for (JsonNode tag : image.path("RepoTags")) {
          refs.add(tag.asText());
        }
      }
      return refs;
    } catch (IOException e) {
      throw new IllegalStateException("unreadable manifest.json: " + e.getMessage(), e);
    }
  }
}
