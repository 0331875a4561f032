package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.envd.RuntimeEnv;
import io.openkruise.agents.localcluster.process.RunDirs;
import io.openkruise.agents.runtime.AgentRuntime;
import io.openkruise.agents.runtime.RuntimeOptions;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts and stops what runs a pod: an {@link AgentRuntime} on a loopback address of its own (the
 * one place that builds the runtime's {@link RuntimeOptions}) and the pod's process containers
 * ({@link ContainerProcesses}).
 */
final class PodLauncher implements AutoCloseable {
  static final String FIRST_ADDRESS_PROPERTY = "kruise.local-node.first-pod-address";

  /**
   * The first pod address; 127.1.0.1 and below stay free for the host's own loopback use. A test
   * JVM running beside others (surefire forks) sets {@value #FIRST_ADDRESS_PROPERTY} to a range of
   * its own, so that an address one node released is not soon taken by another JVM's pod while a
   * client still holds it (a stale address must stay dead, not reach someone else's runtime).
   */
  static final String FIRST_ADDRESS = System.getProperty(FIRST_ADDRESS_PROPERTY, "127.1.0.2");

  private static final Logger LOG = Logger.getLogger(PodLauncher.class.getName());

  private final KubernetesClient client;
  private final Vertx vertx;
  private final Clock clock;
  private final Path podsDir;
  private final Path volumesDir;
  private final LoopbackAddresses addresses = new LoopbackAddresses(FIRST_ADDRESS);
  private final ContainerProcesses containers;

  PodLauncher(KubernetesClient client, LocalNodeOptions options, Vertx vertx, Clock clock) {
    Path workDir = options.workDir().toAbsolutePath();
    this.podsDir = workDir.resolve("pods");
    this.volumesDir = workDir.resolve("volumes");
    this.containers = new ContainerProcesses(client, options.imageProcesses(), workDir);
    this.client = client;
    this.vertx = vertx;
    this.clock = clock;
  }

  ContainerProcesses containers() {
    return containers;
  }

  /**
   * Starts the pod's runtime and process containers.
   *
   * @return empty when it cannot start yet (the caller retries in a second)
   */
  Optional<PodSlot> launch(String key, Pod pod) {
    Path root =
        podsDir.resolve(
            pod.getMetadata().getNamespace()
                + "_"
                + pod.getMetadata().getName()
                + "_"
                + pod.getMetadata().getUid());
    Optional<String> bootstrap;
    try {
      bootstrap = bootstrapToken(pod);
    } catch (RuntimeException e) {
      // As a kubelet: a missing Secret keeps the container from starting until it appears.
      LOG.log(Level.INFO, "runtime of " + key + " waits for its env: " + e.getMessage());
      return Optional.empty();
    }
    Exception last = null;
    // Another JVM's node (a parallel test fork) may hold an address: move on to the next one.
    for (int attempt = 0; attempt < 64; attempt++) {
      String ip = allocate();
      AgentRuntime runtime;
      try {
        runtime = startRuntime(ip, root, bootstrap);
      } catch (Exception e) {
        release(ip);
        last = e;
        if (rootCause(e) instanceof BindException) {
          continue;
        }
        break;
      }
      try {
        Map<String, ProcessContainer> processes = containers.start(pod, ip, root);
        writeRuntimeLogs(pod, processes.keySet(), runtime);
        PodRun run = PodRun.start(pod, ip, "127.0.0.1", clock.instant());
        return Optional.of(new PodSlot(root, runtime, processes, run));
      } catch (Exception e) {
        closeQuietly(runtime);
        release(ip);
        LOG.log(
            Level.WARNING,
            "cannot start the containers of " + key + "; retrying in 1 s: " + e.getMessage());
        return Optional.empty();
      }
    }
    LOG.log(Level.WARNING, "cannot start the runtime of " + key + "; retrying in 1 s", last);
    return Optional.empty();
  }

  private AgentRuntime startRuntime(String ip, Path root, Optional<String> bootstrap)
      throws Exception {
    return AgentRuntime.start(
            vertx,
            RuntimeOptions.builder()
                .host(ip)
                .rootDir(root)
                .envdPort(RuntimeOptions.DEFAULT_ENVD_PORT)
                .codeInterpreter(true)
                .codeInterpreterPort(RuntimeOptions.DEFAULT_CODE_INTERPRETER_PORT)
                .volumesDir(volumesDir)
                .bootstrapToken(bootstrap.orElse(null))
                // A pod the controller did not make (no token) keeps the open runtime the
                // simulated node always had.
                .unauthenticated(bootstrap.isEmpty())
                .build())
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  /**
   * The log of each container the runtime stands in for starts, as a new container's log does, with
   * what the runtime prints when it listens (a real container prints the same line).
   */
  private void writeRuntimeLogs(Pod pod, Set<String> processContainers, AgentRuntime runtime)
      throws IOException {
    String line = ContainerLogQuery.stamped(clock.instant(), runtime.startupLine());
    for (Container c : pod.getSpec().getContainers()) {
      if (!processContainers.contains(c.getName())) {
        Path log =
            containers.log(
                pod.getMetadata().getNamespace(), pod.getMetadata().getName(), c.getName());
        Files.createDirectories(log.getParent());
        Files.writeString(log, line, StandardCharsets.UTF_8);
      }
    }
  }

  /**
   * The pod's resolved {@code KRUISE_RUNTIME_BOOTSTRAP_TOKEN}, as the runtime in any of its
   * containers would see it (the controller gives it to every container).
   *
   * @throws IllegalStateException when the referenced Secret or key is missing yet
   */
  private Optional<String> bootstrapToken(Pod pod) {
    List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
    if (pod.getSpec().getInitContainers() != null) {
      all.addAll(pod.getSpec().getInitContainers());
    }
    for (Container c : all) {
      if (c.getEnv() != null
          && c.getEnv().stream().anyMatch(e -> RuntimeEnv.BOOTSTRAP_TOKEN.equals(e.getName()))) {
        Map<String, String> env =
            ContainerEnv.resolve(
                pod, c, "", ContainerEnv.lookup(client, pod.getMetadata().getNamespace()));
        return Optional.ofNullable(env.get(RuntimeEnv.BOOTSTRAP_TOKEN)).filter(v -> !v.isEmpty());
      }
    }
    return Optional.empty();
  }

  /** Stops the runtime (waiting at most the grace period), frees its address and files. */
  void stop(String key, PodSlot slot, Duration grace) {
    containers.stop(slot.processes, Math.min(grace.toMillis(), 10_000));
    try {
      slot.runtime
          .close()
          .toCompletionStage()
          .toCompletableFuture()
          .get(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warning("runtime of " + key + " did not stop within " + grace + ": " + e);
    }
    release(slot.ip);
    RunDirs.delete(slot.root);
  }

  private String allocate() {
    synchronized (addresses) {
      return addresses.allocate();
    }
  }

  private void release(String ip) {
    synchronized (addresses) {
      addresses.release(ip);
    }
  }

  private static void closeQuietly(AgentRuntime runtime) {
    try {
      runtime.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.fine("runtime did not close: " + e);
    }
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  @Override
  public void close() {
    containers.close();
  }
}
