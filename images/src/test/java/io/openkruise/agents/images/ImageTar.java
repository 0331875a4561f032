package io.openkruise.agents.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkruise.agents.testing.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One image tar as Jib writes it (Docker "save" format): its config and its file system, unpacked
 * layer by layer with GNU tar.
 */
record ImageTar(Path tar, List<String> repoTags, JsonNode config, Path rootfs) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The image tar a module's build wrote: {@code <module>/target/jib-image.tar}. */
  static Path ofModule(String module) {
    Path tar = Repository.root().resolve(module).resolve("target/jib-image.tar");
    if (!Files.exists(tar)) {
      throw new IllegalStateException(
          tar + " is missing: build it first (./mvnw -pl images -am verify, or ./mvnw verify)");
    }
    return tar;
  }

  /**
   * The sandbox image (images/bin/base-image sandbox) that this module's build links as {@code
   * images/target/sandbox-image.tar}; {@code -Dkruise.images.sandbox-tar=PATH} runs the tests
   * against another tar.
   */
  static Path sandbox() {
    String override = System.getProperty("kruise.images.sandbox-tar", "");
    return override.isBlank()
        ? Repository.root().resolve("images/target/sandbox-image.tar")
        : Path.of(override).toAbsolutePath();
  }

  static ImageTar unpack(Path tar, Path into) throws Exception {
    Path raw = into.resolve("raw");
    Path rootfs = into.resolve("rootfs");
    Files.createDirectories(raw);
    Files.createDirectories(rootfs);
    run(List.of("tar", "-xf", tar.toString(), "-C", raw.toString()));
    JsonNode manifest = JSON.readTree(raw.resolve("manifest.json").toFile()).get(0);
    for (JsonNode layer : manifest.get("Layers")) {
      // Jib writes gzip'd layers, the base-image tool plain ones; tar detects which.
      run(
          List.of(
              "tar",
              "--warning=no-unknown-keyword",
              "-xf",
              raw.resolve(layer.asText()).toString(),
              "-C",
              rootfs.toString()));
    }
    List<String> tags = new ArrayList<>();
    manifest.get("RepoTags").forEach(t -> tags.add(t.asText()));
    JsonNode config = JSON.readTree(raw.resolve(manifest.get("Config").asText()).toFile());
    return new ImageTar(tar, tags, config.get("config"), rootfs);
  }

  List<String> entrypoint() {
    List<String> e = new ArrayList<>();
    config.path("Entrypoint").forEach(a -> e.add(a.asText()));
    config.path("Cmd").forEach(a -> e.add(a.asText()));
    return e;
  }

  List<String> env() {
    List<String> e = new ArrayList<>();
    config.path("Env").forEach(a -> e.add(a.asText()));
    return e;
  }

  String user() {
    return config.path("User").asText();
  }

  static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }
}
