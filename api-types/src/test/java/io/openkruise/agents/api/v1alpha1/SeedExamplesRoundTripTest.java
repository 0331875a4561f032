package io.openkruise.agents.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed examples survive typed deserialization and serialization without losing a field. */
@io.openkruise.agents.testing.tier.UnitTier
class SeedExamplesRoundTripTest {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static <T extends HasMetadata> T roundTrip(String example, Class<T> type)
      throws IOException {
    JsonNode original;
    try (InputStream in = open(example)) {
      original =
          SERIALIZATION.convertValue(
              SERIALIZATION.unmarshal(in, GenericKubernetesResource.class), JsonNode.class);
    }
    T typed;
    try (InputStream in = open(example)) {
      typed = SERIALIZATION.unmarshal(in, type);
    }
    assertThat(typed).isInstanceOf(type);
    assertSameContent(SERIALIZATION.convertValue(typed, JsonNode.class), original);
    // A second trip through JSON text must be stable as well.
    T reread = SERIALIZATION.unmarshal(SERIALIZATION.asJson(typed), type);
    assertSameContent(SERIALIZATION.convertValue(reread, JsonNode.class), original);
    return typed;
  }

  private static void assertSameContent(JsonNode written, JsonNode original) {
    // fabric8's PVC model always writes its own apiVersion/kind; harmless in a schemaless list.
    written
        .path("spec")
        .path("volumeClaimTemplates")
        .forEach(vct -> ((ObjectNode) vct).remove(List.of("apiVersion", "kind")));
    assertThat(written.equals(SAME_NUMBER, original))
        .as("round trip of %s%n  gave %s", original, written)
        .isTrue();
  }

  /** 2 read as an int and 2 written from a long are the same field value. */
  private static final Comparator<JsonNode> SAME_NUMBER =
      (a, b) ->
          a.isNumber() && b.isNumber()
              ? a.decimalValue().compareTo(b.decimalValue())
              : a.equals(b) ? 0 : 1;

  private static InputStream open(String example) {
    return SeedExamplesRoundTripTest.class.getResourceAsStream("/examples/" + example);
  }

  @Test
  void sandboxSetWithSidecarAndCodeInterpreter() throws IOException {
    SandboxSet set = roundTrip("sandboxset-code-interpreter.yaml", SandboxSet.class);
    assertThat(set.getSpec().getReplicas()).isEqualTo(4);
    assertThat(set.getSpec().getScaleStrategy().getMaxUnavailable().getStrVal()).isEqualTo("50%");
    assertThat(set.getSpec().getTemplate().getSpec().getInitContainers())
        .singleElement()
        .satisfies(c -> assertThat(c.getRestartPolicy()).isEqualTo("Always"));
    assertThat(set.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("e2bdev/code-interpreter:latest");
    assertThat(set.getSpec().getVolumeClaimTemplates()).hasSize(1);
  }

  @Test
  void sandboxClaimWithEveryOption() throws IOException {
    SandboxClaim claim = roundTrip("sandboxclaim-batch.yaml", SandboxClaim.class);
    SandboxClaimSpec spec = claim.getSpec();
    assertThat(spec.getReplicas()).isEqualTo(3);
    assertThat(spec.getClaimTimeout()).isEqualTo("2m");
    assertThat(spec.getTtlAfterCompleted()).isEqualTo("10m");
    assertThat(spec.getShutdownTime()).isEqualTo("2026-12-01T10:00:00Z");
    assertThat(spec.getLabels()).containsEntry("team", "agents");
    assertThat(spec.getAnnotations()).containsEntry("example.com/purpose", "evaluation");
    assertThat(spec.getInplaceUpdate().getImage()).isEqualTo("e2bdev/code-interpreter:v2");
    assertThat(claim.getStatus().getClaimedReplicas()).isEqualTo(2);
  }

  @Test
  void claimedSandboxWithStatus() throws IOException {
    Sandbox sandbox = roundTrip("sandbox-claimed.yaml", Sandbox.class);
    assertThat(sandbox.getStatus().getPhase()).isEqualTo(SandboxPhase.RUNNING);
    assertThat(Conditions.isTrue(sandbox.getStatus().getConditions(), ConditionTypes.READY))
        .isTrue();
    assertThat(sandbox.getStatus().getPodInfo().getPodIP()).isEqualTo("127.1.0.7");
  }

  @Test
  void claimedReplicasIsAlwaysWrittenEvenWhenZero() {
    SandboxClaim claim = new SandboxClaim();
    claim.setStatus(new SandboxClaimStatus());
    assertThat(SERIALIZATION.asJson(claim)).contains("\"claimedReplicas\":0");
  }
}
