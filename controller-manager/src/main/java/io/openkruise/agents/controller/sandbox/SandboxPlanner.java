package io.openkruise.agents.controller.sandbox;

import static io.openkruise.agents.api.v1alpha1.ConditionTypes.INPLACE_UPDATE;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.READY;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_CREATE_POD;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_DELETE_POD;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_FAILED;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_INPLACE_UPDATING;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_NODE_NOT_READY;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_POD_READY;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_START_CONTAINER_FAILED;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.REASON_SUCCEEDED;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.SANDBOX_PAUSED;
import static io.openkruise.agents.api.v1alpha1.ConditionTypes.SANDBOX_RESUMED;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.claim.TemplateHash;
import io.openkruise.agents.api.v1alpha1.PodInfo;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxStatus;
import io.openkruise.agents.controller.sandbox.SandboxPlan.Action;
import io.openkruise.agents.controller.support.ConditionList;
import io.openkruise.agents.controller.support.EventNote;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Pure decision of one Sandbox reconcile: from the Sandbox, its Pod (if any) and the time, the
 * actions to take and the status to write. All I/O lives in {@link SandboxReconciler}.
 */
final class SandboxPlanner {

  /** Grace period when pausing: the sandbox is being put away, not shut down politely. */
  static final long PAUSE_GRACE_SECONDS = 5;

  /** Container waiting reasons that are progress, not failure. */
  private static final Set<String> BENIGN_WAITING = Set.of("ContainerCreating", "PodInitializing");

  private static final Set<String> IMAGE_FAILURES =
      Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull");

  private final Sandbox sandbox;
  private final Optional<Pod> pod;
  private final Instant now;
  private final List<Action> actions = new ArrayList<>();
  private final List<EventNote> events = new ArrayList<>();
  private final ConditionList conditions;
  private final SandboxStatus status = new SandboxStatus();

  private SandboxPlanner(Sandbox sandbox, Optional<Pod> pod, Instant now) {
    this.sandbox = sandbox;
    this.pod = pod;
    this.now = now;
    SandboxStatus current = sandbox.getStatus() == null ? new SandboxStatus() : sandbox.getStatus();
    this.conditions = new ConditionList(current.getConditions(), now);
    status.setPhase(current.getPhase() == null ? SandboxPhase.PENDING : current.getPhase());
    status.setMessage(current.getMessage());
    status.setPodInfo(current.getPodInfo());
    status.setNodeName(current.getNodeName());
    status.setSandboxIp(current.getSandboxIp());
  }

  static SandboxPlan plan(Sandbox sandbox, Optional<Pod> pod, Instant now) {
    return new SandboxPlanner(sandbox, pod, now).plan();
  }

  private SandboxPlan plan() {
    Optional<Instant> shutdown = SandboxState.parseTime(sandbox.getSpec().getShutdownTime());
    Optional<Instant> pause = SandboxState.parseTime(sandbox.getSpec().getPauseTime());
    boolean paused = sandbox.getSpec().isPaused();

    // Deadlines apply in every phase, terminal ones included: a failed sandbox still expires.
    if (shutdown.isPresent() && !shutdown.get().isAfter(now)) {
      events.add(EventNote.normal("ShutdownTimeReached", "shutdownTime reached, deleting"));
      return new SandboxPlan(List.of(new Action.DeleteSandbox()), null, events, Optional.empty());
    }
    if (!paused && pause.isPresent() && !pause.get().isAfter(now)) {
      events.add(EventNote.normal("PauseTimeReached", "pauseTime reached, pausing"));
      return new SandboxPlan(List.of(new Action.SetPaused()), null, events, Optional.empty());
    }
    Optional<Duration> requeue =
        Stream.of(shutdown, paused ? Optional.<Instant>empty() : pause)
            .flatMap(Optional::stream)
            .min(Instant::compareTo)
            .map(deadline -> Duration.between(now, deadline));

    if (sandbox.getSpec().getTemplate() == null) {
      status.setMessage("spec.template is required (templateRef is not supported yet)");
      return finish(requeue);
    }
    String revision = TemplateHash.of(sandbox.getSpec().getTemplate());
    status.setUpdateRevision(revision);
    if (annotation(
            sandbox.getMetadata().getAnnotations(),
            MetadataKeys.ANNOTATION_HASH_WITHOUT_IMAGE_RESOURCES)
        == null) {
      actions.add(
          new Action.RecordGuardHash(
              TemplateHash.withoutImageAndResources(sandbox.getSpec().getTemplate())));
    }
    if (sandbox.getSpec().getVolumeClaimTemplates() != null
        && !sandbox.getSpec().getVolumeClaimTemplates().isEmpty()) {
      actions.add(new Action.EnsureVolumeClaims());
    }

    String from = status.getPhase();
    switch (from) {
      case SandboxPhase.PENDING -> pending(revision);
      case SandboxPhase.RUNNING -> running(revision);
      case SandboxPhase.PAUSED -> pausedPhase(revision);
      case SandboxPhase.RESUMING -> resuming(revision);
      default -> {
        // Succeeded / Failed: terminal, nothing but the deadlines above.
      }
    }
    if (!from.equals(status.getPhase())) {
      events.add(
          new EventNote(
              SandboxPhase.FAILED.equals(status.getPhase()) ? "Warning" : "Normal",
              status.getPhase(),
              "phase "
                  + from
                  + " -> "
                  + status.getPhase()
                  + (status.getMessage() == null || status.getMessage().isEmpty()
                      ? ""
                      : ": " + status.getMessage())));
    }
    return finish(requeue);
  }

  private SandboxPlan finish(Optional<Duration> requeue) {
    status.setObservedGeneration(sandbox.getMetadata().getGeneration());
    status.setConditions(conditions.toList());
    return new SandboxPlan(actions, status, events, requeue);
  }

  // ---- phases ----

  /**
   * What starting and resuming share: pause wins, a missing pod is created, a terminating one is
   * waited for, a finished one ends the sandbox. Returns the live pod only when none of that
   * applied.
   */
  private Optional<Pod> livePod(String revision, String createReason) {
    if (sandbox.getSpec().isPaused()) {
      startPause();
      return Optional.empty();
    }
    if (pod.isEmpty()) {
      createPod(revision, createReason);
      return Optional.empty();
    }
    Pod p = pod.get();
    if (terminating(p)) {
      return Optional.empty();
    }
    String podPhase = podPhase(p);
    if ("Succeeded".equals(podPhase) || "Failed".equals(podPhase)) {
      terminal(p, podPhase);
      return Optional.empty();
    }
    return Optional.of(p);
  }

  private void pending(String revision) {
    Optional<Pod> live = livePod(revision, "PodCreated");
    if (live.isEmpty()) {
      return;
    }
    Pod p = live.get();
    if ("Running".equals(podPhase(p))) {
      status.setPhase(SandboxPhase.RUNNING);
      status.setMessage("");
      conditions.set(INPLACE_UPDATE, true, REASON_SUCCEEDED, null);
      mirror(p);
    } else {
      mirror(p);
    }
  }

  private void running(String revision) {
    if (sandbox.getSpec().isPaused()) {
      startPause();
      return;
    }
    if (pod.isEmpty() || terminating(pod.get())) {
      status.setPhase(SandboxPhase.FAILED);
      status.setMessage("Pod Not Found");
      conditions.set(READY, false, REASON_POD_READY, "Pod Not Found");
      return;
    }
    Pod p = pod.get();
    String podPhase = podPhase(p);
    if ("Succeeded".equals(podPhase) || "Failed".equals(podPhase)) {
      terminal(p, podPhase);
      return;
    }
    mirror(p);
    inplaceUpdate(p, revision);
  }

  private void pausedPhase(String revision) {
    if (pod.isPresent()) {
      conditions.set(SANDBOX_PAUSED, false, REASON_DELETE_POD, null);
      conditions.set(READY, false, REASON_DELETE_POD, "sandbox is paused");
      if (!terminating(pod.get())) {
        actions.add(new Action.DeletePod(PAUSE_GRACE_SECONDS));
      }
      return;
    }
    if (!conditions.isTrue(SANDBOX_PAUSED)) {
      events.add(EventNote.normal("SandboxPaused", "pod deleted; sandbox is paused"));
    }
    conditions.set(SANDBOX_PAUSED, true, REASON_DELETE_POD, null);
    status.setSandboxIp(null);
    if (!sandbox.getSpec().isPaused()) {
      status.setPhase(SandboxPhase.RESUMING);
      conditions.remove(SANDBOX_PAUSED);
      conditions.set(SANDBOX_RESUMED, false, REASON_CREATE_POD, null);
      createPod(revision, "PodRecreated");
    }
  }

  private void resuming(String revision) {
    Optional<Pod> live = livePod(revision, "PodRecreated");
    if (live.isEmpty()) {
      return;
    }
    Pod p = live.get();
    conditions.set(SANDBOX_RESUMED, true, REASON_CREATE_POD, null);
    mirror(p);
    if ("Running".equals(podPhase(p)) && podReady(p).isPresent() && isTrue(podReady(p).get())) {
      status.setPhase(SandboxPhase.RUNNING);
      status.setMessage("");
    }
  }

  // ---- steps ----

  private void startPause() {
    status.setPhase(SandboxPhase.PAUSED);
    conditions.remove(SANDBOX_RESUMED);
    conditions.set(SANDBOX_PAUSED, false, REASON_DELETE_POD, null);
    conditions.set(READY, false, REASON_DELETE_POD, "sandbox is paused");
    if (pod.isPresent() && !terminating(pod.get())) {
      actions.add(new Action.DeletePod(PAUSE_GRACE_SECONDS));
    } else if (pod.isEmpty()) {
      conditions.set(SANDBOX_PAUSED, true, REASON_DELETE_POD, null);
    }
  }

  private void createPod(String revision, String reason) {
    actions.add(new Action.CreatePod(SandboxPods.pod(sandbox, revision)));
    events.add(EventNote.normal(reason, "created pod " + sandbox.getMetadata().getName()));
  }

  private void terminal(Pod p, String podPhase) {
    status.setPhase(podPhase);
    status.setMessage("Pod status phase is " + podPhase + terminationDetail(p));
    conditions.set(READY, false, REASON_POD_READY, status.getMessage());
  }

  /**
   * Why the pod ended, for the message, Event and Ready condition: the pod's own reason (e.g. an
   * eviction) and the first container that exited with an error, with its code (137 = killed).
   */
  static String terminationDetail(Pod p) {
    if (p.getStatus() == null) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    if (p.getStatus().getReason() != null) {
      b.append(": ").append(p.getStatus().getReason());
      if (p.getStatus().getMessage() != null) {
        b.append(" (").append(p.getStatus().getMessage()).append(')');
      }
    }
    Optional.ofNullable(p.getStatus().getContainerStatuses()).stream()
        .flatMap(List::stream)
        .filter(cs -> cs.getState() != null && cs.getState().getTerminated() != null)
        .filter(cs -> !Integer.valueOf(0).equals(cs.getState().getTerminated().getExitCode()))
        .findFirst()
        .ifPresent(
            cs ->
                b.append(b.length() == 0 ? ": " : "; ")
                    .append("container ")
                    .append(cs.getName())
                    .append(" exited with exit code ")
                    .append(cs.getState().getTerminated().getExitCode())
                    .append(
                        cs.getState().getTerminated().getReason() == null
                            ? ""
                            : " (" + cs.getState().getTerminated().getReason() + ")"));
    return b.toString();
  }

  /** Copies what the pod says into status: IPs, Ready, and why a container cannot start. */
  private void mirror(Pod p) {
    PodInfo info = new PodInfo();
    info.setNodeName(p.getSpec() == null ? null : p.getSpec().getNodeName());
    info.setPodIP(p.getStatus() == null ? null : p.getStatus().getPodIP());
    info.setPodUID(p.getMetadata().getUid());
    info.setLabels(p.getMetadata().getLabels());
    info.setAnnotations(p.getMetadata().getAnnotations());
    status.setPodInfo(info);
    status.setNodeName(info.getNodeName());
    status.setSandboxIp(info.getPodIP());

    Optional<PodCondition> ready = podReady(p);
    Optional<String> startFailure = startFailure(p);
    if (ready.isPresent() && isTrue(ready.get())) {
      conditions.set(READY, true, REASON_POD_READY, null, ready.get().getLastTransitionTime());
      if (SandboxPhase.RUNNING.equals(status.getPhase())) {
        status.setMessage("");
      }
    } else if (nodeStoppedReporting(p)) {
      String message =
          "pod is not Ready while its containers are: node "
              + p.getSpec().getNodeName()
              + " stopped reporting";
      if (!isCondition(READY, false, REASON_NODE_NOT_READY)) {
        events.add(EventNote.warning(REASON_NODE_NOT_READY, message));
      }
      conditions.set(
          READY,
          false,
          REASON_NODE_NOT_READY,
          message,
          ready.map(PodCondition::getLastTransitionTime).orElse(null));
    } else if (startFailure.isPresent()) {
      conditions.set(READY, false, REASON_START_CONTAINER_FAILED, startFailure.get());
      status.setMessage(startFailure.get());
    } else {
      conditions.set(
          READY,
          false,
          REASON_POD_READY,
          ready.map(PodCondition::getMessage).orElse(null),
          ready.map(PodCondition::getLastTransitionTime).orElse(null));
    }
  }

  /**
   * The node lifecycle controller's mark: a pod that was Ready is not any more while its
   * ContainersReady stays True. A kubelet never writes that (it sets both from the same probes);
   * the node lifecycle controller flips only Ready when a node stops reporting. Only a sandbox that
   * was Ready (or already so marked) counts, so readiness gates that never opened are not taken for
   * a lost node.
   */
  private boolean nodeStoppedReporting(Pod p) {
    boolean containersReady =
        p.getStatus() != null
            && p.getStatus().getConditions() != null
            && p.getStatus().getConditions().stream()
                .anyMatch(c -> "ContainersReady".equals(c.getType()) && isTrue(c));
    return containersReady
        && (conditions.isTrue(READY) || isCondition(READY, false, REASON_NODE_NOT_READY));
  }

  private void inplaceUpdate(Pod p, String revision) {
    String podRevision =
        annotation(p.getMetadata().getLabels(), MetadataKeys.LABEL_POD_TEMPLATE_HASH);
    if (podRevision == null) {
      return;
    }
    Optional<InplaceUpdateState> state =
        InplaceUpdateState.parse(
            annotation(
                p.getMetadata().getAnnotations(), MetadataKeys.ANNOTATION_INPLACE_UPDATE_STATE));
    if (podRevision.equals(revision)) {
      state.filter(s -> revision.equals(s.revision())).ifPresent(s -> trackUpdate(p, s));
      return;
    }
    String guard =
        annotation(
            sandbox.getMetadata().getAnnotations(),
            MetadataKeys.ANNOTATION_HASH_WITHOUT_IMAGE_RESOURCES);
    if (guard != null
        && !guard.equals(TemplateHash.withoutImageAndResources(sandbox.getSpec().getTemplate()))) {
      String message = "only container images (and resources) can change in place";
      if (!isCondition(INPLACE_UPDATE, false, REASON_FAILED)) {
        events.add(EventNote.warning("InplaceUpdateForbidden", message));
      }
      conditions.set(INPLACE_UPDATE, false, REASON_FAILED, message);
      return;
    }
    Map<String, String> images = new LinkedHashMap<>();
    Map<String, InplaceUpdateState.LastStatus> before = new LinkedHashMap<>();
    for (Container wanted : sandbox.getSpec().getTemplate().getSpec().getContainers()) {
      p.getSpec().getContainers().stream()
          .filter(c -> c.getName().equals(wanted.getName()))
          .filter(c -> !Objects.equals(c.getImage(), wanted.getImage()))
          .findFirst()
          .ifPresent(
              c -> {
                images.put(c.getName(), wanted.getImage());
                before.put(
                    c.getName(),
                    new InplaceUpdateState.LastStatus(
                        containerStatus(p, c.getName())
                            .map(ContainerStatus::getImageID)
                            .orElse("")));
              });
    }
    InplaceUpdateState record =
        new InplaceUpdateState(revision, now.toString(), before, !images.isEmpty());
    actions.add(new Action.PatchPodImages(images, revision, record.toJson()));
    if (images.isEmpty()) {
      return;
    }
    events.add(EventNote.normal("InplaceUpdating", "updating images in place: " + images));
    conditions.set(INPLACE_UPDATE, false, REASON_INPLACE_UPDATING, null);
    conditions.set(READY, false, REASON_INPLACE_UPDATING, "inplace update is incompleted");
  }

  private void trackUpdate(Pod p, InplaceUpdateState state) {
    if (!isCondition(INPLACE_UPDATE, false, REASON_INPLACE_UPDATING)) {
      return;
    }
    Optional<String> failure =
        state.lastContainerStatuses().keySet().stream()
            .map(name -> containerStatus(p, name))
            .flatMap(Optional::stream)
            .filter(cs -> cs.getState() != null && cs.getState().getWaiting() != null)
            .filter(cs -> IMAGE_FAILURES.contains(cs.getState().getWaiting().getReason()))
            .map(cs -> cs.getName() + ": " + cs.getState().getWaiting().getReason())
            .findFirst();
    if (failure.isPresent()) {
      events.add(EventNote.warning("InplaceUpdateFailed", failure.get()));
      conditions.set(INPLACE_UPDATE, false, REASON_FAILED, failure.get());
      conditions.set(READY, false, REASON_INPLACE_UPDATING, failure.get());
      return;
    }
    boolean done =
        state.lastContainerStatuses().entrySet().stream()
            .allMatch(
                e ->
                    containerStatus(p, e.getKey())
                        .map(
                            cs ->
                                cs.getImageID() != null
                                    && !cs.getImageID().equals(e.getValue().imageID()))
                        .orElse(false));
    if (done) {
      events.add(EventNote.normal("InplaceUpdateSucceeded", "images updated in place"));
      conditions.set(INPLACE_UPDATE, true, REASON_SUCCEEDED, null);
      mirror(p);
    } else {
      conditions.set(READY, false, REASON_INPLACE_UPDATING, "inplace update is incompleted");
    }
  }

  // ---- pod reading helpers ----

  private boolean isCondition(String type, boolean value, String reason) {
    var c = conditions.find(type);
    return c != null
        && (value ? "True" : "False").equals(c.getStatus())
        && reason.equals(c.getReason());
  }

  private static boolean terminating(Pod p) {
    return p.getMetadata().getDeletionTimestamp() != null;
  }

  private static String podPhase(Pod p) {
    return p.getStatus() == null || p.getStatus().getPhase() == null
        ? "Pending"
        : p.getStatus().getPhase();
  }

  private static Optional<PodCondition> podReady(Pod p) {
    if (p.getStatus() == null || p.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return p.getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType()))
        .findFirst();
  }

  private static boolean isTrue(PodCondition c) {
    return "True".equals(c.getStatus());
  }

  private static Optional<ContainerStatus> containerStatus(Pod p, String name) {
    if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return p.getStatus().getContainerStatuses().stream()
        .filter(cs -> name.equals(cs.getName()))
        .findFirst();
  }

  /** Why a container cannot start (image pull, crash loop, bad config), if one cannot. */
  private static Optional<String> startFailure(Pod p) {
    if (p.getStatus() == null) {
      return Optional.empty();
    }
    return Stream.concat(
            Optional.ofNullable(p.getStatus().getInitContainerStatuses()).stream()
                .flatMap(List::stream),
            Optional.ofNullable(p.getStatus().getContainerStatuses()).stream()
                .flatMap(List::stream))
        .filter(cs -> cs.getState() != null && cs.getState().getWaiting() != null)
        .filter(cs -> cs.getState().getWaiting().getReason() != null)
        .filter(cs -> !BENIGN_WAITING.contains(cs.getState().getWaiting().getReason()))
        .map(
            cs ->
                cs.getName()
                    + ": "
                    + cs.getState().getWaiting().getReason()
                    + (cs.getState().getWaiting().getMessage() == null
                        ? ""
                        : ": " + cs.getState().getWaiting().getMessage()))
        .findFirst();
  }

  private static String annotation(Map<String, String> map, String key) {
    return map == null ? null : map.get(key);
  }
}
