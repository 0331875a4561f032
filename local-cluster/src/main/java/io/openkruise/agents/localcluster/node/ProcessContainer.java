package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.kube.ServiceAccountTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One container run as a local process, the way a kubelet would run its image: env resolved from
 * the spec ({@link ContainerEnv}), the pod ServiceAccount's identity from the TokenRequest API
 * written where an in-cluster client finds it (token, CA, namespace under {@code <pod
 * dir>/serviceaccount}, named by the {@code KUBERNETES_*} variables fabric8 reads instead of {@code
 * /var/run/secrets/...}), no kubeconfig, and output in {@code <node
 * dir>/logs/<ns>_<pod>_<container>.log}.
 */
final class ProcessContainer {

  private final String container;
  private final Process process;
  private final Path log;

  private ProcessContainer(String container, Process process, Path log) {
    this.container = container;
    this.process = process;
    this.log = log;
  }

  /**
   * Writes the pod ServiceAccount's credentials (a token from the TokenRequest API, the cluster CA,
   * the namespace) into {@code dir} and returns the env an in-cluster fabric8 client needs to use
   * them, kubeconfig lookup off.
   */
  static Map<String, String> serviceAccountEnv(
      KubernetesClient client, Pod pod, Path dir, String caPem) throws IOException {
    String ns = pod.getMetadata().getNamespace();
    String granted = ServiceAccountTokens.issue(client, ns, ContainerEnv.serviceAccount(pod));
    Files.createDirectories(dir);
    Path token = dir.resolve("token");
    Path ca = dir.resolve("ca.crt");
    Files.writeString(token, granted);
    Files.writeString(ca, caPem);
    Files.writeString(dir.resolve("namespace"), ns);
    URI api = URI.create(client.getMasterUrl().toString());
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KUBERNETES_SERVICE_HOST", api.getHost());
    env.put("KUBERNETES_SERVICE_PORT", Integer.toString(api.getPort()));
    env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "true");
    env.put("KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN", token.toString());
    env.put("KUBERNETES_CERTS_CA_FILE", ca.toString());
    env.put("KUBERNETES_NAMESPACE", ns);
    return env;
  }

  /**
   * Starts the process.
   *
   * @param base the node's env for every process (PATH, HOME, ...)
   * @param serviceAccount {@link #serviceAccountEnv}
   * @param resolved {@link ContainerEnv#resolve}
   */
  static ProcessContainer start(
      Container c,
      ImageProcess image,
      String podIp,
      Path workingDir,
      Path log,
      Map<String, String> base,
      Map<String, String> serviceAccount,
      Map<String, String> resolved)
      throws IOException {
    Files.createDirectories(workingDir);
    Files.createDirectories(log.getParent());
    ProcessBuilder pb =
        new ProcessBuilder(image.command())
            .directory(workingDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Map<String, String> env = pb.environment();
    env.clear();
    env.putAll(base);
    env.putAll(serviceAccount);
    image.env().forEach((k, v) -> env.put(k, v.replace(ImageProcess.POD_IP, podIp)));
    env.putAll(resolved);
    return new ProcessContainer(c.getName(), pb.start(), log);
  }

  String container() {
    return container;
  }

  Path log() {
    return log;
  }

  long pid() {
    return process.pid();
  }

  /** Empty while running, else its exit code. */
  Optional<Integer> exitCode() {
    return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
  }

  /** The last lines of its log, for failure messages. */
  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM to the process and its descendants, SIGKILL after {@code graceMillis}. */
  void stop(long graceMillis) {
    List<ProcessHandle> all =
        java.util.stream.Stream.concat(
                process.descendants(), java.util.stream.Stream.of(process.toHandle()))
            .toList();
    all.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
    for (ProcessHandle h : all) {
      long left = deadline - System.nanoTime();
      try {
        h.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // not reaped: nothing more we can do
      }
    }
  }
}
