package io.openkruise.agents.localcluster.realnode;

import io.openkruise.agents.localcluster.kube.KubeBinaries;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a real node runs, as {@code local-cluster/bin/install-node} installs and caches it: kubelet,
 * kube-proxy and kube-scheduler of the control plane's release, Debian's containerd, runc and CNI
 * plugins, and a pause image built here. Read from the {@code node.env} the script writes.
 */
public record NodeBinaries(
    Path dir,
    Path kubelet,
    Path kubeProxy,
    Path kubeScheduler,
    Path coredns,
    Path containerd,
    Path ctr,
    Path runc,
    Path cniBinDir,
    String pauseImage,
    Path pauseTar,
    String containerdVersion) {

  static final String INSTALL_SCRIPT = "local-cluster/bin/install-node";
  static final String PLUMBING_SCRIPT = "local-cluster/bin/real-node";

  /** Runs the install script (cached: about a second) and reads what it installed. */
  public static NodeBinaries resolve(PrintStream progress) {
    Path script =
        KubeBinaries.findScript(INSTALL_SCRIPT)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "cannot find "
                            + INSTALL_SCRIPT
                            + " above "
                            + System.getProperty("user.dir")));
    return in(KubeBinaries.runScript(script, progress, "the real node cannot be installed here."));
  }

  /** The plumbing script (netns, veth, cgroups, teardown) next to the install script. */
  static Path plumbingScript() {
    return KubeBinaries.findScript(PLUMBING_SCRIPT)
        .orElseThrow(() -> new IllegalStateException("cannot find " + PLUMBING_SCRIPT));
  }

  public static NodeBinaries in(Path dir) {
    Map<String, String> env = readEnv(dir.resolve("node.env"));
    NodeBinaries b =
        new NodeBinaries(
            dir,
            dir.resolve("kubelet"),
            dir.resolve("kube-proxy"),
            dir.resolve("kube-scheduler"),
            dir.resolve("coredns"),
            Path.of(required(env, "CONTAINERD")),
            Path.of(required(env, "CTR")),
            Path.of(required(env, "RUNC")),
            Path.of(required(env, "CNI_BIN_DIR")),
            required(env, "PAUSE_IMAGE"),
            Path.of(required(env, "PAUSE_TAR")),
            env.getOrDefault("CONTAINERD_VERSION", "unknown"));
    for (Path p :
        List.of(b.kubelet, b.kubeProxy, b.kubeScheduler, b.coredns, b.containerd, b.ctr, b.runc)) {
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException("missing or not executable: " + p);
      }
    }
    return b;
  }

  static Map<String, String> readEnv(Path file) {
    try {
      Map<String, String> env = new LinkedHashMap<>();
      for (String line : Files.readAllLines(file)) {
        int eq = line.indexOf('=');
        if (eq > 0 && !line.startsWith("#")) {
          env.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
      }
      return env;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static String required(Map<String, String> env, String key) {
    String v = env.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException("node.env has no " + key);
    }
    return v;
  }
}
