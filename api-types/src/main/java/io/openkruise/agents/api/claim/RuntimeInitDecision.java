package io.openkruise.agents.api.claim;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import java.util.Collection;
import java.util.Map;

/**
 * Whether a claimed sandbox's runtime gets {@code POST /init}: when its template asks for it with
 * {@code should-init-envd: "true"} on the SandboxSet (copied to its members by {@link
 * PoolMembers}). Per-request opt-outs are the caller's business.
 */
public final class RuntimeInitDecision {

  private RuntimeInitDecision() {}

  /** The template's wish. */
  public static boolean shouldInit(SandboxSet set) {
    return asks(set.getMetadata().getAnnotations());
  }

  /**
   * The sandbox's copy of the wish, or its template's in the sandbox's namespace (a sandbox created
   * before the annotation was set on the SandboxSet).
   */
  public static boolean shouldInit(Sandbox sandbox, Collection<SandboxSet> templates) {
    if (asks(sandbox.getMetadata().getAnnotations())) {
      return true;
    }
    String namespace = sandbox.getMetadata().getNamespace();
    return templates.stream()
        .filter(s -> s.getMetadata().getNamespace().equals(namespace))
        .anyMatch(RuntimeInitDecision::shouldInit);
  }

  private static boolean asks(Map<String, String> annotations) {
    return annotations != null
        && "true".equals(annotations.get(MetadataKeys.ANNOTATION_SHOULD_INIT_ENVD));
  }
}
