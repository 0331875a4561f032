package io.openkruise.agents.localcluster.node;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateRunning;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Pure kubelet logic: the pod status a node reports for a run, and the strategic-merge patch that
 * writes it. No I/O, so it is unit tested on plain objects.
 *
 * <p>What it reports, as a kubelet would: phase Running, pod and host IPs, start time, one status
 * per container (image, digest-style image ID, container ID, restart count, running state,
 * started/ready from the probes), completed init containers (running for restartable sidecars), and
 * the conditions PodReadyToStartContainers, Initialized, ContainersReady, Ready and PodScheduled.
 * Ready also needs every readiness gate's condition to be True. Transition times are kept when a
 * condition's status does not change.
 */
public final class PodStatusPlanner {
  static final String READY = "Ready";
  static final String CONTAINERS_READY = "ContainersReady";
  static final String INITIALIZED = "Initialized";
  static final String SCHEDULED = "PodScheduled";
  static final String READY_TO_START = "PodReadyToStartContainers";

  private static final ObjectMapper JSON =
      new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private PodStatusPlanner() {}

  /** Status of a running pod. */
  public static PodStatus running(Pod pod, PodRun run, Instant now) {
    PodStatus current = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    List<ContainerStatus> statuses = new ArrayList<>();
    List<String> unready = new ArrayList<>();
    for (ContainerRun c : run.containers()) {
      ProbeState probe = run.probe(c.name());
      boolean ready = probe.started() && probe.ready();
      if (!ready) {
        unready.add(c.name());
      }
      statuses.add(
          base(c)
              .withReady(ready)
              .withStarted(probe.started())
              .withState(running(c.startedAt()))
              .withLastState(
                  c.previousStartedAt() == null
                      ? null
                      : terminated(c.previousStartedAt(), c.previousFinishedAt()))
              .build());
    }
    boolean containersReady = unready.isEmpty();
    String unreadyMessage = containersReady ? null : "containers with unready status: " + unready;
    List<String> gatesOpen = closedReadinessGates(pod);
    boolean podReady = containersReady && gatesOpen.isEmpty();
    String podMessage =
        !containersReady
            ? unreadyMessage
            : gatesOpen.isEmpty()
                ? null
                : "corresponding condition of pod readiness gate "
                    + gatesOpen
                    + " does not exist or is not True";

    List<PodCondition> conditions = new ArrayList<>();
    conditions.add(condition(current, READY_TO_START, true, null, null, now));
    conditions.add(condition(current, INITIALIZED, true, null, null, now));
    conditions.add(
        condition(
            current,
            CONTAINERS_READY,
            containersReady,
            containersReady ? null : "ContainersNotReady",
            unreadyMessage,
            now));
    conditions.add(
        condition(
            current,
            READY,
            podReady,
            podReady ? null : containersReady ? "ReadinessGatesNotReady" : "ContainersNotReady",
            podMessage,
            now));
    conditions.add(condition(current, SCHEDULED, true, null, null, now));

    PodStatus s = new PodStatus();
    s.setPhase("Running");
    s.setHostIP(run.hostIp());
    s.setHostIPs(List.of(new HostIP(run.hostIp())));
    s.setPodIP(run.podIp());
    s.setPodIPs(List.of(new PodIP(run.podIp())));
    s.setStartTime(time(run.startTime()));
    s.setConditions(conditions);
    s.setContainerStatuses(statuses);
    s.setInitContainerStatuses(initStatuses(pod, run));
    return s;
  }

  /** Status after the node stopped the pod (kept visible while finalizers hold the pod). */
  public static PodStatus terminated(Pod pod, PodRun run, Instant now) {
    PodStatus s = new PodStatus();
    // A kubelet moves a deleted pod to a terminal phase; our containers stop cleanly (exit 0).
    s.setPhase("Succeeded");
    s.setConditions(finishedConditions(pod, "PodCompleted", now));
    s.setContainerStatuses(stoppedContainers(run, now, 0, "Completed"));
    return s;
  }

  /**
   * Status after every container of a {@code restartPolicy: Never} pod was killed (SIGKILL, exit
   * 137): the pod failed, as a kubelet reports it.
   */
  public static PodStatus killed(Pod pod, PodRun run, Instant now) {
    PodStatus s = new PodStatus();
    s.setPhase("Failed");
    s.setPodIP(run.podIp());
    s.setHostIP(run.hostIp());
    s.setStartTime(time(run.startTime()));
    s.setConditions(finishedConditions(pod, "PodFailed", now));
    s.setContainerStatuses(stoppedContainers(run, now, 137, "Error"));
    return s;
  }

  /** Every container of the run stopped at {@code now} (whole seconds) with this exit. */
  private static List<ContainerStatus> stoppedContainers(
      PodRun run, Instant now, int exitCode, String reason) {
    Instant t = now.truncatedTo(ChronoUnit.SECONDS);
    List<ContainerStatus> statuses = new ArrayList<>();
    for (ContainerRun c : run.containers()) {
      ContainerState state = terminated(c.startedAt(), t);
      state.getTerminated().setExitCode(exitCode);
      state.getTerminated().setReason(reason);
      statuses.add(base(c).withReady(false).withStarted(false).withState(state).build());
    }
    return statuses;
  }

  /**
   * The conditions of a pod whose containers all ended ({@code PodCompleted}, {@code PodFailed}).
   */
  private static List<PodCondition> finishedConditions(Pod pod, String reason, Instant now) {
    PodStatus current = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    List<PodCondition> conditions = new ArrayList<>();
    conditions.add(condition(current, READY_TO_START, false, null, null, now));
    conditions.add(condition(current, CONTAINERS_READY, false, reason, null, now));
    conditions.add(condition(current, READY, false, reason, null, now));
    return conditions;
  }

  private static ContainerStatusBuilder base(ContainerRun c) {
    return new ContainerStatusBuilder()
        .withName(c.name())
        .withImage(c.image())
        .withImageID(c.imageId())
        .withContainerID(c.containerId())
        .withRestartCount(c.restartCount());
  }

  private static List<ContainerStatus> initStatuses(Pod pod, PodRun run) {
    List<Container> inits = pod.getSpec().getInitContainers();
    if (inits == null || inits.isEmpty()) {
      return null;
    }
    List<ContainerStatus> out = new ArrayList<>();
    for (Container c : inits) {
      // Restartable init containers are sidecars: they keep running next to the main containers.
      boolean sidecar = "Always".equals(c.getRestartPolicy());
      ContainerRun r =
          ContainerRun.started(run.podUid(), c.getName(), c.getImage(), run.startTime());
      out.add(
          base(r)
              .withReady(true)
              .withStarted(sidecar)
              .withState(
                  sidecar ? running(run.startTime()) : terminated(run.startTime(), run.startTime()))
              .build());
    }
    return out;
  }

  private static List<String> closedReadinessGates(Pod pod) {
    List<PodReadinessGate> gates = pod.getSpec().getReadinessGates();
    if (gates == null || gates.isEmpty()) {
      return List.of();
    }
    List<PodCondition> have =
        pod.getStatus() == null || pod.getStatus().getConditions() == null
            ? List.of()
            : pod.getStatus().getConditions();
    return gates.stream()
        .map(PodReadinessGate::getConditionType)
        .filter(
            type ->
                have.stream()
                    .noneMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus())))
        .toList();
  }

  private static ContainerState running(Instant since) {
    ContainerState s = new ContainerState();
    s.setRunning(new ContainerStateRunning(time(since)));
    return s;
  }

  private static ContainerState terminated(Instant started, Instant finished) {
    ContainerStateTerminated t = new ContainerStateTerminated();
    t.setExitCode(0);
    t.setReason("Completed");
    t.setStartedAt(time(started));
    t.setFinishedAt(time(finished));
    ContainerState s = new ContainerState();
    s.setTerminated(t);
    return s;
  }

  private static PodCondition condition(
      PodStatus current, String type, boolean value, String reason, String message, Instant now) {
    String status = value ? "True" : "False";
    Optional<PodCondition> old =
        current.getConditions() == null
            ? Optional.empty()
            : current.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    String since =
        old.filter(c -> status.equals(c.getStatus()))
            .map(PodCondition::getLastTransitionTime)
            .filter(Objects::nonNull)
            .orElse(time(now));
    PodCondition c = new PodCondition();
    c.setType(type);
    c.setStatus(status);
    c.setReason(reason);
    c.setMessage(message);
    c.setLastTransitionTime(since);
    return c;
  }

  /** RFC 3339 with second precision: what the API server stores, so re-reads compare equal. */
  static String time(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  // ---- patch building and comparison ----

  /**
   * The strategic-merge patch body {@code {"status": ...}} that makes the pod's status show {@code
   * desired}. Conditions merge by type and container statuses by name, so conditions owned by
   * others (readiness gates) survive. Fields we leave unset in a condition or a container state are
   * sent as null, because a merge would otherwise keep stale values (a {@code running} next to a
   * new {@code terminated}).
   */
  public static ObjectNode patch(PodStatus desired) {
    ObjectNode status = JSON.valueToTree(desired);
    eachElement(
        status.get("conditions"),
        c -> {
          nullIfAbsent(c, "reason");
          nullIfAbsent(c, "message");
          nullIfAbsent(c, "lastProbeTime");
        });
    for (String list : List.of("containerStatuses", "initContainerStatuses")) {
      eachElement(
          status.get(list),
          cs -> {
            completeState(cs.get("state"));
            completeState(cs.get("lastState"));
          });
    }
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.set("status", status);
    return root;
  }

  /** True when {@code current} already shows everything {@code patch} would write. */
  public static boolean covers(PodStatus current, ObjectNode patch) {
    JsonNode cur =
        current == null ? JsonNodeFactory.instance.objectNode() : JSON.valueToTree(current);
    return subset(patch.get("status"), cur);
  }

  private static void completeState(JsonNode state) {
    if (state instanceof ObjectNode o) {
      for (String kind : List.of("running", "waiting", "terminated")) {
        nullIfAbsent(o, kind);
      }
    }
  }

  private static void nullIfAbsent(ObjectNode o, String field) {
    if (!o.has(field)) {
      o.putNull(field);
    }
  }

  private static void eachElement(JsonNode array, java.util.function.Consumer<ObjectNode> f) {
    if (array instanceof ArrayNode a) {
      a.forEach(
          e -> {
            if (e instanceof ObjectNode o) {
              f.accept(o);
            }
          });
    }
  }

  /**
   * Strategic-merge semantics of "applying {@code want} to {@code have} changes nothing": objects
   * recursively, null means absent, lists keyed by {@code type}/{@code name}/{@code ip} when their
   * elements carry one, otherwise equal element by element.
   */
  static boolean subset(JsonNode want, JsonNode have) {
    if (want == null || want.isNull()) {
      return have == null || have.isNull();
    }
    if (have == null || have.isNull()) {
      return false;
    }
    if (want.isObject()) {
      if (!have.isObject()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!subset(e.getValue(), have.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (want.isArray()) {
      if (!have.isArray()) {
        return false;
      }
      String key = mergeKey(want);
      if (key == null) {
        if (want.size() != have.size()) {
          return false;
        }
        for (int i = 0; i < want.size(); i++) {
          if (!subset(want.get(i), have.get(i))) {
            return false;
          }
        }
        return true;
      }
      for (JsonNode w : want) {
        JsonNode match = null;
        for (JsonNode h : have) {
          if (w.get(key).equals(h.get(key))) {
            match = h;
            break;
          }
        }
        if (!subset(w, match)) {
          return false;
        }
      }
      return true;
    }
    return want.equals(have) || want.asText().equals(have.asText());
  }

  private static String mergeKey(JsonNode array) {
    for (String key : List.of("type", "name", "ip")) {
      boolean all = array.size() > 0;
      for (JsonNode e : array) {
        all &= e.isObject() && e.hasNonNull(key);
      }
      if (all) {
        return key;
      }
    }
    return null;
  }
}
