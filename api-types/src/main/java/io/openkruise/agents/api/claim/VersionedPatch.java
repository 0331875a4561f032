package io.openkruise.agents.api.claim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Optional;

/**
 * The protocol's one I/O step: a JSON merge patch of a Sandbox that carries {@code
 * metadata.resourceVersion}, so the API server rejects it (409) when anyone wrote the sandbox since
 * it was read. Claims and scale-down locks are both such patches.
 */
final class VersionedPatch {

  private VersionedPatch() {}

  /**
   * @return the sandbox as stored after the patch, or empty when another writer won (409) or it is
   *     gone (404)
   * @throws KubernetesClientException for any other API error
   */
  static Optional<Sandbox> apply(KubernetesClient client, Sandbox target, Map<String, ?> patch) {
    try {
      return Optional.of(SandboxMergePatch.send(client, target, patch));
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT
          || e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
