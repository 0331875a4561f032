package io.openkruise.agents.localcluster.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.openkruise.agents.localcluster.process.ProcessWatchdog;
import io.openkruise.agents.runtime.AgentRuntime;
import io.openkruise.agents.runtime.RuntimeOptions;
import io.openkruise.agents.runtime.envd.BootstrapGate;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * A node simulator for the local cluster: kubelet and scheduler in one, running every pod as an
 * {@link AgentRuntime} on its own loopback address.
 *
 * <p>It registers Nodes, binds unscheduled pods to them (the {@code pods/binding} subresource), and
 * for each pod bound to one of them allocates a 127.x.y.z address, starts a runtime there (envd on
 * 49983, code interpreter on 49999), runs the pod's startup and readiness probes against it and
 * writes the pod status. An image change in the spec restarts that container's status with the new
 * image ID (in-place update) and keeps the pod Ready. When a pod is deleted it stops the runtime,
 * then removes the pod with grace 0 (the API server keeps it while finalizers remain).
 *
 * <p>Deviations from a kubelet, chosen for speed: probes run as soon as the runtime is up ({@code
 * initialDelaySeconds} is ignored) and are retried every {@link Options#probeRetry()} until they
 * pass; a Ready pod's readiness probe runs every {@code periodSeconds}. exec and gRPC probes pass
 * without running. A probe against a port the runtime does not serve fails, so the pod stays
 * unready (set {@link Options#assumeUnservedPortsReady()} to pass them instead). Containers do not
 * run their images: the runtime stands in for them, except where {@link Options#imageProcesses()}
 * maps an image to a local command, which then runs as a real process on the pod's address with the
 * pod ServiceAccount's token ({@link ProcessContainer}).
 */
public final class LocalNode implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LocalNode.class.getName());

  /** Label on our Node objects. */
  public static final String NODE_LABEL = "agents.kruise.io/local-node";

  private final KubernetesClient client;
  private final Options options;
  private final Clock clock;
  private final Path workDir;
  private final Path podsDir;
  private final Path volumesDir;
  private final Path logsDir;
  private ProcessWatchdog watchdog;
  private final Vertx vertx;
  private final boolean ownVertx;
  private final ProbeRunner probes;
  private final LoopbackAddresses addresses;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final AtomicLong turn = new AtomicLong();
  private final List<Node> nodes = new ArrayList<>();
  private final KeyedWorkQueue queue;
  private SharedIndexInformer<Pod> informer;
  private volatile boolean closed;

  /**
   * Node settings.
   *
   * @param nodeNames Nodes to register (pods are spread over them round-robin)
   * @param workDir holds {@code pods/<ns>_<name>_<uid>} (each runtime's root) and {@code volumes}
   * @param vertx shared by all runtimes and probes; null: the node creates (and closes) its own
   * @param firstAddress first pod address handed out
   * @param envdPort envd port on every pod address
   * @param codeInterpreter whether runtimes serve the code interpreter
   * @param codeInterpreterPort its port
   * @param probeRetry delay between attempts while a probe fails
   * @param assumeUnservedPortsReady pass probes against ports no runtime serves instead of failing
   * @param workers reconcile threads (the work is mostly waiting on the API server)
   * @param imageProcesses image repository (no registry, tag or digest) to the local process that
   *     stands in for it: such containers run as real processes on the pod's address with the pod
   *     ServiceAccount's token; all other containers are served by the runtime
   */
  public record Options(
      List<String> nodeNames,
      Path workDir,
      Vertx vertx,
      String firstAddress,
      int envdPort,
      boolean codeInterpreter,
      int codeInterpreterPort,
      Duration probeRetry,
      boolean assumeUnservedPortsReady,
      int workers,
      Map<String, ImageProcess> imageProcesses) {

    public Options {
      imageProcesses = Map.copyOf(imageProcesses);
    }

    public static Options defaults(Path workDir) {
      return new Options(
          List.of("local-node-0"),
          workDir,
          null,
          "127.1.0.2",
          RuntimeOptions.DEFAULT_ENVD_PORT,
          true,
          RuntimeOptions.DEFAULT_CODE_INTERPRETER_PORT,
          Duration.ofMillis(100),
          false,
          8,
          Map.of());
    }

    public Options withNodeNames(List<String> names) {
      return new Options(
          names,
          workDir,
          vertx,
          firstAddress,
          envdPort,
          codeInterpreter,
          codeInterpreterPort,
          probeRetry,
          assumeUnservedPortsReady,
          workers,
          imageProcesses);
    }

    public Options withVertx(Vertx v) {
      return new Options(
          nodeNames,
          workDir,
          v,
          firstAddress,
          envdPort,
          codeInterpreter,
          codeInterpreterPort,
          probeRetry,
          assumeUnservedPortsReady,
          workers,
          imageProcesses);
    }

    public Options withAssumeUnservedPortsReady(boolean assume) {
      return new Options(
          nodeNames,
          workDir,
          vertx,
          firstAddress,
          envdPort,
          codeInterpreter,
          codeInterpreterPort,
          probeRetry,
          assume,
          workers,
          imageProcesses);
    }

    public Options withImageProcesses(Map<String, ImageProcess> processes) {
      return new Options(
          nodeNames,
          workDir,
          vertx,
          firstAddress,
          envdPort,
          codeInterpreter,
          codeInterpreterPort,
          probeRetry,
          assumeUnservedPortsReady,
          workers,
          processes);
    }
  }

  /** Per pod: the running runtime, its address and what we last reported. */
  private static final class Slot {
    final String uid;
    final String ip;
    final Path root;
    AgentRuntime runtime;
    Map<String, ProcessContainer> processes = Map.of();
    PodRun run;
    long nextProbeNanos;

    Slot(String uid, String ip, Path root) {
      this.uid = uid;
      this.ip = ip;
      this.root = root;
    }
  }

  private LocalNode(KubernetesClient client, Options options, Clock clock) {
    this.client = client;
    this.options = options;
    this.clock = clock;
    this.workDir = options.workDir().toAbsolutePath();
    this.podsDir = workDir.resolve("pods");
    this.volumesDir = workDir.resolve("volumes");
    this.logsDir = workDir.resolve("logs");
    try {
      Files.createDirectories(podsDir);
      Files.createDirectories(volumesDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.ownVertx = options.vertx() == null;
    this.vertx =
        ownVertx ? Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2)) : options.vertx();
    this.probes = new ProbeRunner(vertx);
    this.addresses = new LoopbackAddresses(options.firstAddress());
    this.queue = new KeyedWorkQueue("local-node", options.workers(), this::reconcile);
  }

  /** Registers the Nodes and starts watching pods; returns once the pod cache is synced. */
  public static LocalNode start(KubernetesClient client, Options options) {
    LocalNode node = new LocalNode(client, options, Clock.systemUTC());
    try {
      node.registerNodes();
      node.informer =
          client
              .pods()
              .inAnyNamespace()
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod pod) {
                      node.queue.add(Cache.metaNamespaceKeyFunc(pod));
                    }

                    @Override
                    public void onUpdate(Pod oldPod, Pod newPod) {
                      node.queue.add(Cache.metaNamespaceKeyFunc(newPod));
                    }

                    @Override
                    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                      node.queue.add(Cache.metaNamespaceKeyFunc(pod));
                    }
                  },
                  0);
      return node;
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
  }

  // ---- nodes ----

  private void registerNodes() {
    String version = client.getKubernetesVersion().getGitVersion();
    for (String name : options.nodeNames()) {
      Node desired =
          new NodeBuilder()
              .withNewMetadata()
              .withName(name)
              .addToLabels("kubernetes.io/hostname", name)
              .addToLabels("kubernetes.io/os", "linux")
              .addToLabels("kubernetes.io/arch", "amd64")
              .addToLabels(NODE_LABEL, "true")
              .endMetadata()
              .build();
      client.nodes().resource(desired).createOr(existing -> existing.update());
      // TaintNodesByCondition adds not-ready:NoSchedule at creation; nothing else would lift it.
      client
          .nodes()
          .withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"taints\":null}}");
      Node withStatus =
          client
              .nodes()
              .withName(name)
              .subresource("status")
              .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), nodeStatusPatch(name, version));
      nodes.add(withStatus);
    }
  }

  private String nodeStatusPatch(String name, String version) {
    String now = PodStatusPlanner.time(clock.instant());
    Map<String, Quantity> capacity =
        Map.of(
            "cpu", new Quantity("64"),
            "memory", new Quantity("256Gi"),
            "pods", new Quantity("1000"),
            "ephemeral-storage", new Quantity("1Ti"));
    ObjectNode status = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    ObjectNode cap = status.putObject("capacity");
    ObjectNode alloc = status.putObject("allocatable");
    capacity.forEach(
        (k, v) -> {
          cap.put(k, v.toString());
          alloc.put(k, v.toString());
        });
    var conditions = status.putArray("conditions");
    conditions
        .addObject()
        .put("type", "Ready")
        .put("status", "True")
        .put("reason", "KubeletReady")
        .put("message", "local node simulator is ready")
        .put("lastHeartbeatTime", now)
        .put("lastTransitionTime", now);
    for (String pressure : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
      conditions
          .addObject()
          .put("type", pressure)
          .put("status", "False")
          .put("reason", "KubeletHasNo" + pressure)
          .put("lastHeartbeatTime", now)
          .put("lastTransitionTime", now);
    }
    var addrs = status.putArray("addresses");
    addrs.addObject().put("type", "InternalIP").put("address", "127.0.0.1");
    addrs.addObject().put("type", "Hostname").put("address", name);
    status
        .putObject("nodeInfo")
        .put("kubeletVersion", version)
        .put("containerRuntimeVersion", "local://agent-runtime")
        .put("operatingSystem", "linux")
        .put("architecture", "amd64")
        .put("osImage", "kruise-agents local node")
        .put("kernelVersion", System.getProperty("os.version"))
        .put("machineID", "")
        .put("systemUUID", "")
        .put("bootID", "")
        .put("kubeProxyVersion", "");
    ObjectNode root = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    root.set("status", status);
    return root.toString();
  }

  // ---- reconcile ----

  private void reconcile(String key) {
    if (closed) {
      return;
    }
    Pod pod = informer == null ? null : informer.getIndexer().getByKey(key);
    Slot slot = slots.get(key);
    if (slot != null && (pod == null || !slot.uid.equals(pod.getMetadata().getUid()))) {
      stop(key, slot, Duration.ofSeconds(30));
      slot = null;
    }
    if (pod == null) {
      return;
    }
    String nodeName = pod.getSpec().getNodeName();
    if (nodeName == null || nodeName.isEmpty()) {
      if (NodePicker.needsScheduling(pod)) {
        schedule(pod);
      }
      return;
    }
    if (!options.nodeNames().contains(nodeName)) {
      return;
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      terminate(key, pod, slot);
      return;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (slot == null && ("Succeeded".equals(phase) || "Failed".equals(phase))) {
      return;
    }
    if (slot == null) {
      slot = launch(key, pod);
      if (slot == null) {
        return;
      }
    }
    Instant now = clock.instant();
    slot.run = slot.run.followImages(pod, now);
    long nextProbe = probe(pod, slot);
    writeStatus(pod, PodStatusPlanner.running(pod, slot.run, now));
    if (nextProbe > 0) {
      queue.addAfter(key, nextProbe);
    }
  }

  private void schedule(Pod pod) {
    Optional<String> target = NodePicker.pick(pod, nodes, turn.getAndIncrement());
    if (target.isEmpty()) {
      markUnschedulable(pod);
      return;
    }
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\""
            + pod.getMetadata().getName()
            + "\",\"uid\":\""
            + pod.getMetadata().getUid()
            + "\"},\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\""
            + target.get()
            + "\"}}";
    HttpResponse<String> r = send("POST", podPath(pod) + "/binding", body);
    // 409: already bound (by us, a moment ago); 404: gone. Both are fine.
    if (r.code() >= 300 && r.code() != 409 && r.code() != 404) {
      throw new KubernetesClientException(
          "binding "
              + Cache.metaNamespaceKeyFunc(pod)
              + " failed: HTTP "
              + r.code()
              + " "
              + r.body());
    }
  }

  private void markUnschedulable(Pod pod) {
    boolean already =
        pod.getStatus() != null
            && pod.getStatus().getConditions() != null
            && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()));
    if (already) {
      return;
    }
    PodCondition c = new PodCondition();
    c.setType("PodScheduled");
    c.setStatus("False");
    c.setReason("Unschedulable");
    c.setMessage(
        "0/" + nodes.size() + " nodes are available: node(s) didn't match Pod's node selector.");
    c.setLastTransitionTime(PodStatusPlanner.time(clock.instant()));
    PodStatus s = new PodStatus();
    s.setConditions(List.of(c));
    s.setPhase("Pending");
    writeStatus(pod, s);
  }

  private Slot launch(String key, Pod pod) {
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
      queue.addAfter(key, 1000);
      return null;
    }
    Exception last = null;
    // Another JVM's node (a parallel test fork) may hold an address: move on to the next one.
    for (int attempt = 0; attempt < 64; attempt++) {
      String ip;
      synchronized (addresses) {
        ip = addresses.allocate();
      }
      try {
        AgentRuntime runtime =
            AgentRuntime.start(
                    vertx,
                    RuntimeOptions.builder()
                        .host(ip)
                        .rootDir(root)
                        .envdPort(options.envdPort())
                        .codeInterpreter(options.codeInterpreter())
                        .codeInterpreterPort(options.codeInterpreterPort())
                        .volumesDir(volumesDir)
                        .bootstrapToken(bootstrap.orElse(null))
                        // A pod the controller did not make (no token) keeps the open runtime
                        // the simulated node always had.
                        .unauthenticated(bootstrap.isEmpty())
                        .build())
                .toCompletionStage()
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        Slot slot = new Slot(pod.getMetadata().getUid(), ip, root);
        slot.runtime = runtime;
        try {
          slot.processes = startProcesses(pod, ip, root);
        } catch (Exception e) {
          closeQuietly(runtime);
          synchronized (addresses) {
            addresses.release(ip);
          }
          LOG.log(
              Level.WARNING,
              "cannot start the containers of " + key + "; retrying in 1 s: " + e.getMessage());
          queue.addAfter(key, 1000);
          return null;
        }
        slot.run = PodRun.start(pod, ip, "127.0.0.1", clock.instant());
        slots.put(key, slot);
        return slot;
      } catch (Exception e) {
        synchronized (addresses) {
          addresses.release(ip);
        }
        last = e;
        if (!(rootCause(e) instanceof java.net.BindException)) {
          break;
        }
      }
    }
    LOG.log(Level.WARNING, "cannot start the runtime of " + key + "; retrying in 1 s", last);
    queue.addAfter(key, 1000);
    return null;
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
          && c.getEnv().stream().anyMatch(e -> BootstrapGate.ENV.equals(e.getName()))) {
        Map<String, String> env =
            ProcessContainer.containerEnv(
                pod, c, "", ProcessContainer.lookup(client, pod.getMetadata().getNamespace()));
        return Optional.ofNullable(env.get(BootstrapGate.ENV)).filter(v -> !v.isEmpty());
      }
    }
    return Optional.empty();
  }

  /**
   * Starts the containers whose image is mapped to a local process ({@link
   * Options#imageProcesses()}), with the pod ServiceAccount's token.
   */
  private Map<String, ProcessContainer> startProcesses(Pod pod, String ip, Path root)
      throws IOException {
    Map<String, ProcessContainer> started = new java.util.LinkedHashMap<>();
    List<Container> mapped =
        pod.getSpec().getContainers().stream().filter(c -> imageProcess(c).isPresent()).toList();
    if (mapped.isEmpty()) {
      return started;
    }
    String ns = pod.getMetadata().getNamespace();
    try {
      Map<String, String> sa =
          ProcessContainer.serviceAccountEnv(client, pod, root.resolve("serviceaccount"), caPem());
      for (Container c : mapped) {
        Map<String, String> env =
            ProcessContainer.containerEnv(pod, c, ip, ProcessContainer.lookup(client, ns));
        Path log = containerLog(ns, pod.getMetadata().getName(), c.getName());
        Map<String, String> base = new java.util.LinkedHashMap<>();
        for (String name : List.of("PATH", "JAVA_HOME", "LANG", "TZ")) {
          String v = System.getenv(name);
          if (v != null) {
            base.put(name, v);
          }
        }
        Files.createDirectories(root.resolve("home"));
        base.put("HOME", root.resolve("home").toString());
        base.put("HOSTNAME", pod.getMetadata().getName());
        ProcessContainer p =
            ProcessContainer.start(
                c,
                imageProcess(c).get(),
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
                    + pod.getMetadata().getName()
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

  private Optional<ImageProcess> imageProcess(Container c) {
    if (options.imageProcesses().isEmpty() || c.getImage() == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(options.imageProcesses().get(ImageProcess.repository(c.getImage())));
  }

  private String caPem() {
    var config = client.getConfiguration();
    try {
      if (config.getCaCertData() != null && !config.getCaCertData().isEmpty()) {
        return new String(
            java.util.Base64.getDecoder().decode(config.getCaCertData()),
            java.nio.charset.StandardCharsets.US_ASCII);
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

  /**
   * Runs the probes that are due and records their outcome in the slot.
   *
   * @return milliseconds until the next probe round, or 0 when none is needed
   */
  private long probe(Pod pod, Slot slot) {
    if (System.nanoTime() < slot.nextProbeNanos) {
      return 0;
    }
    long next = 0;
    for (Container c : pod.getSpec().getContainers()) {
      ProbeState state = slot.run.probe(c.getName());
      ProcessContainer process = slot.processes.get(c.getName());
      Optional<Integer> exit = process == null ? Optional.empty() : process.exitCode();
      if (exit.isPresent()) {
        String why = "container process exited with code " + exit.get() + "; log: " + process.log();
        if (!why.equals(state.message())) {
          LOG.warning(Cache.metaNamespaceKeyFunc(pod) + ": " + why + "\n" + process.tail(20));
        }
        slot.run = slot.run.withProbe(c.getName(), new ProbeState(state.started(), false, why));
        continue;
      }
      boolean started = state.started();
      String failure = null;
      if (!started) {
        failure = run(c.getStartupProbe(), c, slot.ip, process != null);
        started = failure == null;
      }
      boolean ready = false;
      if (started) {
        failure =
            c.getReadinessProbe() == null
                ? null
                : run(c.getReadinessProbe(), c, slot.ip, process != null);
        ready = failure == null;
      }
      slot.run = slot.run.withProbe(c.getName(), new ProbeState(started, ready, failure));
      long delay;
      if (!ready) {
        delay = options.probeRetry().toMillis();
      } else if (c.getReadinessProbe() != null) {
        delay = periodMillis(c.getReadinessProbe());
      } else {
        delay = 0;
      }
      if (delay > 0) {
        next = next == 0 ? delay : Math.min(next, delay);
      }
    }
    slot.nextProbeNanos = next == 0 ? Long.MAX_VALUE : System.nanoTime() + next * 1_000_000 - 1;
    return next;
  }

  private static long periodMillis(Probe p) {
    Integer s = p.getPeriodSeconds();
    return (s == null || s <= 0 ? 10 : s) * 1000L;
  }

  /**
   * @return null when the probe passes (or there is none), else why it failed
   */
  private String run(Probe probe, Container c, String ip, boolean ownProcess) {
    if (probe == null) {
      return null;
    }
    ProbeTarget t = ProbeTarget.resolve(probe, c, ip);
    if (options.assumeUnservedPortsReady()
        && !ownProcess
        && t.kind() != ProbeTarget.Kind.ASSUMED_PASSING
        && ip.equals(t.host())
        && !served(t.port())) {
      return null;
    }
    long timeout = (probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds()) * 1000L;
    try {
      return probes
          .check(t, timeout)
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return "probe timed out";
    } catch (Exception e) {
      return "probe error: " + e;
    }
  }

  private boolean served(int port) {
    return port == options.envdPort()
        || (options.codeInterpreter() && port == options.codeInterpreterPort());
  }

  private void terminate(String key, Pod pod, Slot slot) {
    if (slot != null) {
      long grace =
          pod.getMetadata().getDeletionGracePeriodSeconds() == null
              ? 30
              : pod.getMetadata().getDeletionGracePeriodSeconds();
      stop(key, slot, Duration.ofSeconds(Math.max(1, grace)));
      boolean held =
          pod.getMetadata().getFinalizers() != null && !pod.getMetadata().getFinalizers().isEmpty();
      if (held) {
        writeStatus(pod, PodStatusPlanner.terminated(pod, slot.run, clock.instant()));
      }
    }
    Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
    if (grace != null && grace == 0) {
      return; // already asked for; finalizers hold it
    }
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"gracePeriodSeconds\":0,"
            + "\"preconditions\":{\"uid\":\""
            + pod.getMetadata().getUid()
            + "\"}}";
    HttpResponse<String> r = send("DELETE", podPath(pod), body);
    if (r.code() >= 300 && r.code() != 404 && r.code() != 409) {
      throw new KubernetesClientException(
          "deleting " + key + " failed: HTTP " + r.code() + " " + r.body());
    }
  }

  /** Stops the runtime (waiting at most the grace period), frees its address and files. */
  private void stop(String key, Slot slot, Duration grace) {
    slots.remove(key, slot);
    for (ProcessContainer p : slot.processes.values()) {
      p.stop(Math.min(grace.toMillis(), 10_000));
      if (watchdog != null) {
        watchdog.remove(p.pid());
      }
    }
    if (slot.runtime != null) {
      try {
        slot.runtime
            .close()
            .toCompletionStage()
            .toCompletableFuture()
            .get(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warning("runtime of " + key + " did not stop within " + grace + ": " + e);
      }
    }
    synchronized (addresses) {
      addresses.release(slot.ip);
    }
    deleteRecursively(slot.root);
  }

  private void writeStatus(Pod pod, PodStatus desired) {
    ObjectNode patch = PodStatusPlanner.patch(desired);
    if (PodStatusPlanner.covers(pod.getStatus(), patch)) {
      return;
    }
    // The uid makes the API server refuse the write if the pod was replaced under the same name.
    patch.putObject("metadata").put("uid", pod.getMetadata().getUid());
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .subresource("status")
          .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch.toString());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409 && e.getCode() != 422) {
        throw e;
      }
    }
  }

  private String podPath(Pod pod) {
    return "api/v1/namespaces/"
        + pod.getMetadata().getNamespace()
        + "/pods/"
        + pod.getMetadata().getName();
  }

  private HttpResponse<String> send(String method, String path, String body) {
    var http = client.getHttpClient();
    String base = client.getMasterUrl().toString();
    HttpRequest req =
        http.newHttpRequestBuilder()
            .uri(base.endsWith("/") ? base + path : base + "/" + path)
            .method(method, "application/json", body)
            .build();
    try {
      return http.sendAsync(req, String.class).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KubernetesClientException.launderThrowable(e);
    } catch (Exception e) {
      throw KubernetesClientException.launderThrowable(e);
    }
  }

  // ---- queries ----

  /** Names of the registered Nodes. */
  public List<String> nodeNames() {
    return options.nodeNames();
  }

  /** Pods running on this node. */
  public int runningPods() {
    return slots.size();
  }

  /** The loopback address of a running pod. */
  public Optional<String> podIp(String namespace, String name) {
    return Optional.ofNullable(slots.get(namespace + "/" + name)).map(s -> s.ip);
  }

  /**
   * The log of a container the node runs as a process ({@link Options#imageProcesses()}): {@code
   * <work dir>/logs/<ns>_<pod>_<container>.log}, kept after the pod is gone.
   */
  public Path containerLog(String namespace, String pod, String container) {
    return logsDir.resolve(namespace + "_" + pod + "_" + container + ".log");
  }

  /** The process of a running pod's container, when the node runs it as one. */
  public Optional<ProcessHandle> containerProcess(String namespace, String pod, String container) {
    return Optional.ofNullable(slots.get(namespace + "/" + pod))
        .map(s -> s.processes.get(container))
        .flatMap(p -> ProcessHandle.of(p.pid()));
  }

  /** The runtime serving a running pod (for tests that look inside). */
  public Optional<AgentRuntime> runtime(String namespace, String name) {
    return Optional.ofNullable(slots.get(namespace + "/" + name)).map(s -> s.runtime);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Stops watching and stops every runtime. Pods and Nodes stay in the API server. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (informer != null) {
      informer.close();
    }
    queue.close();
    for (Map.Entry<String, Slot> e : List.copyOf(slots.entrySet())) {
      stop(e.getKey(), e.getValue(), Duration.ofSeconds(5));
    }
    probes.close();
    synchronized (this) {
      if (watchdog != null) {
        watchdog.close();
      }
    }
    if (ownVertx) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warning("vertx did not close: " + e);
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.fine("cannot remove " + dir + ": " + e.getMessage());
    }
  }
}
