package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.process.ProcessWatchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The containers whose image is mapped to a local command ({@link
 * LocalNodeOptions#imageProcesses()}): started as {@link ProcessContainer}s on the pod's address
 * with the pod ServiceAccount's token, their pids on a watchdog so a dying JVM takes them along.
 */
final class ContainerProcesses implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ContainerProcesses.class.getName());

  private final KubernetesClient client;
  private final Map<String, ImageProcess> images;
  private final Path workDir;
  private final Path logsDir;
  private ProcessWatchdog watchdog;

  ContainerProcesses(KubernetesClient client, Map<String, ImageProcess> images, Path workDir) {
    this.client = client;
    this.images = images;
    this.workDir = workDir;
    this.logsDir = workDir.resolve("logs");
  }

  /** {@code <work dir>/logs/<ns>_<pod>_<container>.log}, kept after the pod is gone. */
  Path log(String namespace, String pod, String container) {
    return logsDir.resolve(namespace + "_" + pod + "_" + container + ".log");
  }

  /** Starts the pod's mapped containers; on a failure stops those already started. */
  Map<String, ProcessContainer> start(Pod pod, String ip, Path root) throws IOException {
    Map<String, ProcessContainer> started = new LinkedHashMap<>();
    List<Container> mapped =
        pod.getSpec().getContainers().stream().filter(c -> image(c).isPresent()).toList();
    if (mapped.isEmpty()) {
      return started;
    }
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    try {
      Map<String, String> sa =
          ProcessContainer.serviceAccountEnv(client, pod, root.resolve("serviceaccount"), caPem());
      for (Container c : mapped) {
        Map<String, String> env = ContainerEnv.resolve(pod, c, ip, ContainerEnv.lookup(client, ns));
        Path log = log(ns, name, c.getName());
        Map<String, String> base = new LinkedHashMap<>();
        for (String var : List.of("PATH", "JAVA_HOME", "LANG", "TZ")) {
          String v = System.getenv(var);
          if (v != null) {
            base.put(var, v);
          }
        }
        Files.createDirectories(root.resolve("home"));
        base.put("HOME", root.resolve("home").toString());
        base.put("HOSTNAME", name);
        ProcessContainer p =
            ProcessContainer.start(
                c,
                image(c).get(),
                ip,
                root.resolve("containers").resolve(c.getName()),
                log,
                base,
                sa,
                env);
        watchdog().add(p.pid());
        started.put(c.getName(), p);
        LOG.info(
            () ->
                "started container "
                    + ns
                    + "/"
                    + name
                    + "/"
                    + c.getName()
                    + " as pid "
                    + p.pid()
                    + " on "
                    + ip
                    + "; log: "
                    + log);
      }
      return started;
    } catch (IOException | RuntimeException e) {
      started.values().forEach(p -> p.stop(0));
      throw e;
    }
  }

  /** Stops them, each within {@code graceMillis}. */
  void stop(Map<String, ProcessContainer> processes, long graceMillis) {
    for (ProcessContainer p : processes.values()) {
      p.stop(graceMillis);
      synchronized (this) {
        if (watchdog != null) {
          watchdog.remove(p.pid());
        }
      }
    }
  }

  private Optional<ImageProcess> image(Container c) {
    if (images.isEmpty() || c.getImage() == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(images.get(ImageProcess.repository(c.getImage())));
  }

  private String caPem() {
    return caPem(client);
  }

  /** The cluster CA the node's client trusts, PEM. */
  static String caPem(KubernetesClient client) {
    var config = client.getConfiguration();
    try {
      if (config.getCaCertData() != null && !config.getCaCertData().isEmpty()) {
        return new String(
            Base64.getDecoder().decode(config.getCaCertData()), StandardCharsets.US_ASCII);
      }
      if (config.getCaCertFile() != null) {
        return Files.readString(Path.of(config.getCaCertFile()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("the node's client has no cluster CA to hand to containers");
  }

  private synchronized ProcessWatchdog watchdog() {
    if (watchdog == null) {
      watchdog =
          ProcessWatchdog.start(
              "kruise-local-node-watchdog", workDir.resolve("process-pids"), null);
    }
    return watchdog;
  }

  @Override
  public synchronized void close() {
    if (watchdog != null) {
      watchdog.close();
    }
  }
}
