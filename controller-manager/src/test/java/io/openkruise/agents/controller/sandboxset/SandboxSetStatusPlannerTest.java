package io.openkruise.agents.controller.sandboxset;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSetStatus;
import org.junit.jupiter.api.Test;

class SandboxSetStatusPlannerTest {

  @Test
  void selectorNamesUnclaimedMembersOfThisPool() {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setName("code-interpreter");
    set.getMetadata().setGeneration(3L);
    SandboxSetStatus current = new SandboxSetStatus();
    current.setReplicas(2);
    current.setAvailableReplicas(1);

    SandboxSetStatus next = SandboxSetStatusPlanner.plan(set, current);

    assertThat(next.getSelector())
        .isEqualTo(
            "agents.kruise.io/sandbox-claimed=false,agents.kruise.io/sandbox-pool=code-interpreter");
    assertThat(next.getObservedGeneration()).isEqualTo(3L);
    assertThat(next.getReplicas()).isEqualTo(2);
    assertThat(next.getAvailableReplicas()).isEqualTo(1);
  }

  @Test
  void planIsStableOnceApplied() {
    SandboxSet set = new SandboxSet();
    set.getMetadata().setName("base");
    set.getMetadata().setGeneration(1L);
    SandboxSetStatus once = SandboxSetStatusPlanner.plan(set, new SandboxSetStatus());
    assertThat(SandboxSetStatusPlanner.plan(set, once)).isEqualTo(once);
  }
}
