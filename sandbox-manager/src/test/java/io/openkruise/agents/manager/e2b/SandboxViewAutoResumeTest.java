package io.openkruise.agents.manager.e2b;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.manager.support.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who asks for auto-resume: the sandbox at create, or a SandboxSet of its template and namespace.
 */
@io.openkruise.agents.testing.tier.UnitTier
class SandboxViewAutoResumeTest {

  private static Sandbox sandbox(boolean asks) {
    Sandbox s = Fixtures.claimed("ns", "s", "tpl", "owner-1", "127.0.0.1");
    if (asks) {
      s.getMetadata().getAnnotations().put(MetadataKeys.ANNOTATION_AUTO_RESUME, "true");
    }
    return s;
  }

  private static SandboxSet set(String namespace, boolean asks) {
    SandboxSet set = Fixtures.set(namespace, "tpl", false);
    if (asks) {
      set.getMetadata().setAnnotations(Map.of(MetadataKeys.ANNOTATION_AUTO_RESUME, "true"));
    }
    return set;
  }

  @Test
  void theSandboxsOwnAskNeedsNoSetLookup() {
    assertThat(
            SandboxView.autoResume(
                sandbox(true),
                () -> {
                  throw new AssertionError("looked up the SandboxSets");
                }))
        .isTrue();
  }

  @Test
  void aSetOfItsTemplateInItsNamespaceAsksForIt() {
    assertThat(SandboxView.autoResume(sandbox(false), () -> List.of(set("ns", true)))).isTrue();
    assertThat(SandboxView.autoResume(sandbox(false), () -> List.of(set("other", true)))).isFalse();
    assertThat(SandboxView.autoResume(sandbox(false), () -> List.of(set("ns", false)))).isFalse();
    assertThat(SandboxView.autoResume(sandbox(false), List::of)).isFalse();
  }
}
