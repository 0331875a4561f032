package io.openkruise.agents.manager.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.SandboxView;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A merge patch of a claimed sandbox that carries the resourceVersion it was planned on. On 409
 * (someone wrote in between: another replica's connect, a kill, the controller) it re-reads the
 * sandbox and plans again from what is there now, so a decision is never applied to a state it was
 * not made for: connect only ever extends, a concurrent kill wins, a pause of a sandbox paused
 * meanwhile is refused. Bounded: after {@link #MAX_ATTEMPTS} conflicts the caller gets 409.
 */
public final class GuardedPatch {

  /** What to write given the sandbox as it is now; empty writes nothing. */
  @FunctionalInterface
  public interface Plan {
    /**
     * @throws E2bException when the sandbox is no longer in a state the request may change
     */
    Optional<Map<String, Object>> next(Sandbox current);
  }

  /**
   * @param before the sandbox the written patch was planned on (for read-your-writes waits)
   * @param after the patched sandbox, or {@code before} when nothing was written
   */
  public record Result(Sandbox before, Sandbox after, boolean written) {}

  static final int MAX_ATTEMPTS = 5;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;

  public GuardedPatch(KubernetesClient client) {
    this.client = client;
  }

  /**
   * @throws E2bException 404 when the sandbox is gone or being deleted, 409 after too many
   *     conflicts, or whatever the plan refuses with
   */
  public Result apply(Sandbox s, Plan plan) {
    for (int attempt = 1; ; attempt++) {
      if (s.getMetadata().getDeletionTimestamp() != null) {
        throw E2bException.sandboxNotFound(SandboxView.id(s)); // a kill won
      }
      Optional<Map<String, Object>> body = plan.next(s);
      if (body.isEmpty()) {
        return new Result(s, s, false);
      }
      Map<String, Object> patch = new LinkedHashMap<>(body.get());
      Map<String, Object> meta = new LinkedHashMap<>();
      if (patch.get("metadata") instanceof Map<?, ?> planned) {
        planned.forEach((k, v) -> meta.put(String.valueOf(k), v)); // e.g. annotations
      }
      meta.put("resourceVersion", s.getMetadata().getResourceVersion());
      patch.put("metadata", meta);
      try {
        Sandbox patched =
            client
                .resources(Sandbox.class)
                .inNamespace(s.getMetadata().getNamespace())
                .withName(s.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), JSON.writeValueAsString(patch));
        return new Result(s, patched, true);
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          throw E2bException.sandboxNotFound(SandboxView.id(s));
        }
        if (e.getCode() != 409) {
          throw e;
        }
        if (attempt >= MAX_ATTEMPTS) {
          throw E2bException.conflict(
              "sandbox " + SandboxView.id(s) + " changed concurrently; try again");
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      Sandbox fresh =
          client
              .resources(Sandbox.class)
              .inNamespace(s.getMetadata().getNamespace())
              .withName(s.getMetadata().getName())
              .get();
      if (fresh == null) {
        throw E2bException.sandboxNotFound(SandboxView.id(s));
      }
      s = fresh;
    }
  }
}
