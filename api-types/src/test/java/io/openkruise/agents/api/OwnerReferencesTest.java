package io.openkruise.agents.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class OwnerReferencesTest {

  private static Sandbox sandbox(String uid) {
    Sandbox s = new Sandbox();
    s.getMetadata().setName("sb");
    s.getMetadata().setUid(uid);
    return s;
  }

  private static Pod pod(OwnerReference... refs) {
    return new PodBuilder().withNewMetadata().withOwnerReferences(refs).endMetadata().build();
  }

  @Test
  void controllerReferenceNamesTheOwnersKindAndBlocksItsDeletion() {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setName("pool");
    set.getMetadata().setUid("u-set");

    OwnerReference ref = OwnerReferences.controller(set);

    assertThat(ref.getApiVersion()).isEqualTo("agents.kruise.io/v1alpha1");
    assertThat(ref.getKind()).isEqualTo("SandboxSet");
    assertThat(ref.getName()).isEqualTo("pool");
    assertThat(ref.getUid()).isEqualTo("u-set");
    assertThat(ref.getController()).isTrue();
    assertThat(ref.getBlockOwnerDeletion()).isTrue();
  }

  @Test
  void plainReferenceIsNoController() {
    OwnerReference ref = OwnerReferences.owner(sandbox("u-1"));

    assertThat(ref.getKind()).isEqualTo("Sandbox");
    assertThat(ref.getUid()).isEqualTo("u-1");
    assertThat(ref.getController()).isNull();
    assertThat(ref.getBlockOwnerDeletion()).isNull();
  }

  @Test
  void controlledByNeedsAControllerReferenceWithTheOwnersUid() {
    Sandbox owner = sandbox("u-1");
    Pod controlled = pod(OwnerReferences.controller(owner));
    Pod merelyOwned = pod(OwnerReferences.owner(owner));
    Pod someoneElses = pod(OwnerReferences.controller(sandbox("u-2")));

    assertThat(OwnerReferences.controlledBy(controlled, owner)).isTrue();
    assertThat(OwnerReferences.controlledBy(merelyOwned, owner)).isFalse();
    assertThat(OwnerReferences.controlledBy(someoneElses, owner)).isFalse();
    assertThat(OwnerReferences.controlledBy(pod(), owner)).isFalse();
    assertThat(OwnerReferences.controlledBy(controlled, sandbox(null))).isFalse();
  }
}
