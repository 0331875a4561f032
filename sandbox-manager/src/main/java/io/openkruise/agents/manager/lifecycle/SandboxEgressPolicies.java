package io.openkruise.agents.manager.lifecycle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.OwnerReferences;
import io.openkruise.agents.api.claim.SandboxMergePatch;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.network.EgressPolicyPlanner;
import io.openkruise.agents.manager.network.NetworkRules;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Writes a sandbox's own NetworkPolicy (named as the Sandbox, owned by it, so garbage-collected
 * with it) and puts the label it selects on the sandbox's pod. The controller puts the same label
 * on every pod it creates for a Sandbox carrying {@link MetadataKeys#ANNOTATION_NETWORK}, so a
 * resumed or freshly created pod is covered from birth.
 */
public final class SandboxEgressPolicies {

  private static final Logger LOG = Logger.getLogger(SandboxEgressPolicies.class);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final EgressPolicyPlanner.Defaults defaults;

  public SandboxEgressPolicies(KubernetesClient client, ManagerConfig.Network config) {
    this.client = client;
    this.defaults =
        EgressPolicyPlanner.Defaults.parse(
            config.deniedCidrs(), config.dnsCidrs().orElse(List.of()));
  }

  /** Checks the rules against the configured limits before anything is claimed (400 if not). */
  public void validate(NetworkRules rules) {
    EgressPolicyPlanner.plan(rules, "validation", defaults);
  }

  /** Creates or replaces the sandbox's policy, then labels its pod when there is one. */
  public void apply(Sandbox sandbox, NetworkRules rules) {
    String id = SandboxView.id(sandbox);
    NetworkPolicySpec spec = EgressPolicyPlanner.plan(rules, id, defaults);
    NetworkPolicy policy =
        new NetworkPolicyBuilder()
            .withNewMetadata()
            .withName(sandbox.getMetadata().getName())
            .withNamespace(sandbox.getMetadata().getNamespace())
            .withLabels(Map.of(MetadataKeys.LABEL_SANDBOX_ID, id))
            .withOwnerReferences(OwnerReferences.owner(sandbox))
            .endMetadata()
            .withSpec(spec)
            .build();
    try {
      createOrReplaceSpec(policy);
      labelPod(sandbox, id);
    } catch (KubernetesClientException e) {
      LOG.warnf("could not apply the network policy of sandbox=%s: %s", id, e.getMessage());
      throw new E2bException(500, "could not apply the sandbox's network rules", e);
    }
  }

  /**
   * Records {@code rules} on the Sandbox (the source the policy is made from), then applies them:
   * the body of {@code PUT /sandboxes/{id}/network}.
   */
  public void update(Sandbox sandbox, NetworkRules rules) {
    validate(rules);
    try {
      SandboxMergePatch.setAnnotation(
          client, sandbox, MetadataKeys.ANNOTATION_NETWORK, rules.toJson());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        throw E2bException.notFound("sandbox " + SandboxView.id(sandbox) + " not found");
      }
      throw e;
    }
    apply(sandbox, rules);
  }

  /**
   * Create, or (409: it exists) a JSON Patch replacing its spec whole (RFC 6902 {@code replace}: no
   * list merging, whatever the server's merge-patch handling of lists). Two verbs the RBAC grants
   * (create, patch), and no read.
   */
  private void createOrReplaceSpec(NetworkPolicy policy) {
    try {
      client.resource(policy).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      String patch =
          client
              .getKubernetesSerialization()
              .asJson(List.of(Map.of("op", "replace", "path", "/spec", "value", policy.getSpec())));
      client
          .network()
          .networkPolicies()
          .inNamespace(policy.getMetadata().getNamespace())
          .withName(policy.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON), patch);
    }
  }

  private void labelPod(Sandbox sandbox, String id) {
    String patch = metadataPatch("labels", Map.of(MetadataKeys.LABEL_EGRESS_POLICY, id));
    try {
      client
          .pods()
          .inNamespace(sandbox.getMetadata().getNamespace())
          .withName(sandbox.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      // No pod (paused, or not created yet): the controller labels the next one.
    }
  }

  private static String metadataPatch(String field, Map<String, String> values) {
    try {
      return JSON.writeValueAsString(Map.of("metadata", Map.of(field, values)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
