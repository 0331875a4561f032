package io.openkruise.agents.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.ClaimPatch;
import io.openkruise.agents.api.claim.ClaimRequest;
import io.openkruise.agents.api.claim.PoolMembers;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetSpec;
import io.openkruise.agents.api.v1alpha1.SandboxStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * SandboxSets and their members in the shapes the controllers produce: members are built by the
 * claim protocol's own {@link PoolMembers} and claimed with {@link ClaimPatch}'s keys, so a fixture
 * cannot drift from what the SandboxSet controller and the claimers write.
 */
public final class Pools {

  private Pools() {}

  /** A pod template with one container {@code sandbox} running {@code image}. */
  public static PodTemplateSpec template(String image) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .addToLabels("app", "sandbox")
        .endMetadata()
        .withNewSpec()
        .withContainers(new ContainerBuilder().withName("sandbox").withImage(image).build())
        .endSpec()
        .build();
  }

  /** A SandboxSet of {@code replicas} from {@code template}. */
  public static SandboxSet set(
      String namespace, String name, int replicas, PodTemplateSpec template) {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setName(name);
    set.getMetadata().setNamespace(namespace);
    SandboxSetSpec spec = new SandboxSetSpec();
    spec.setReplicas(replicas);
    spec.setTemplate(template);
    set.setSpec(spec);
    return set;
  }

  /** A pool whose sandboxes get their runtime initialised at claim (one container, img:1). */
  public static SandboxSet initSet(String namespace, String name, int replicas) {
    SandboxSet set = set(namespace, name, replicas, template("img:1"));
    set.getMetadata()
        .setAnnotations(new HashMap<>(Map.of(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD, "true")));
    return set;
  }

  /**
   * A Ready, unlocked member of {@code set} named {@code name} at {@code ip}, as the SandboxSet
   * controller creates it ({@link PoolMembers#newMember}) and the Sandbox controller reports it
   * running. The set needs a UID (its members' owner reference carries it).
   */
  public static Sandbox available(SandboxSet set, String name, String ip) {
    Sandbox s = PoolMembers.newMember(set, PoolMembers.revision(set));
    s.getMetadata().setGenerateName(null);
    s.getMetadata().setName(name);
    s.setStatus(status(true, ip));
    return s;
  }

  /**
   * A status as the Sandbox controller reports it: Running with condition Ready, or Pending with
   * Ready false; {@code ip} may be null.
   */
  public static SandboxStatus status(boolean ready, String ip) {
    SandboxStatus status = new SandboxStatus();
    status.setPhase(ready ? SandboxPhase.RUNNING : SandboxPhase.PENDING);
    status.setSandboxIp(ip);
    status.setConditions(
        new ArrayList<>(
            List.of(
                new ConditionBuilder()
                    .withType("Ready")
                    .withStatus(ready ? "True" : "False")
                    .withReason(ready ? "PodReady" : "PodNotReady")
                    .build())));
    return status;
  }

  /**
   * {@code s} after a claim by {@code owner}: {@link ClaimPatch}'s labels (claimed, a fresh E2B
   * sandbox ID) and annotations (owner, lock, claim time), no pool owner reference.
   */
  public static Sandbox claimed(Sandbox s, String owner) {
    ClaimRequest request = ClaimRequest.forOwner(owner);
    s.getMetadata().setOwnerReferences(new ArrayList<>());
    s.getMetadata().getLabels().putAll(ClaimPatch.claimLabels(request));
    s.getMetadata()
        .getAnnotations()
        .putAll(ClaimPatch.claimAnnotations(request, UUID.randomUUID().toString(), Instant.now()));
    return s;
  }

  /** The members of {@code set}, claimed or not, as the API server lists them now. */
  public static List<Sandbox> members(
      KubernetesClient client, String namespace, String set, boolean claimed) {
    return client
        .resources(Sandbox.class)
        .inNamespace(namespace)
        .withLabel(MetadataKeys.LABEL_SANDBOX_POOL, set)
        .withLabel(MetadataKeys.LABEL_SANDBOX_CLAIMED, String.valueOf(claimed))
        .list()
        .getItems();
  }

  /** Whether SandboxSet {@code namespace/set} exists and reports {@code available} or more. */
  public static boolean reportsAvailable(
      KubernetesClient client, String namespace, String set, int available) {
    SandboxSet s = client.resources(SandboxSet.class).inNamespace(namespace).withName(set).get();
    return s != null && s.getStatus() != null && s.getStatus().getAvailableReplicas() >= available;
  }

  /** Until an unclaimed member of {@code set} runs with an address; returns it. */
  public static Sandbox awaitRunningMember(
      KubernetesClient client, String namespace, String set, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                members(client, namespace, set, false).stream()
                    .filter(
                        s ->
                            s.getStatus() != null
                                && s.getStatus().getSandboxIp() != null
                                && "Running".equals(s.getStatus().getPhase()))
                    .findFirst()
                    .orElse(null),
            s -> s != null);
  }
}
