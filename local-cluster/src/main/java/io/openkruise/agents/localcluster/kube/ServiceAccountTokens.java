package io.openkruise.agents.localcluster.kube;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * ServiceAccount tokens from the TokenRequest API, as a kubelet gets them for a pod: what the
 * processes the local cluster runs in place of pods (images as processes, Traefik) present to the
 * API server.
 */
public final class ServiceAccountTokens {

  /** Lifetime of the requested tokens (a test or dev run is far shorter). */
  static final long LIFETIME_SECONDS = 24 * 3600;

  private ServiceAccountTokens() {}

  /** A new token of {@code serviceAccount} in {@code namespace}. */
  public static String issue(KubernetesClient admin, String namespace, String serviceAccount) {
    TokenRequest request =
        new TokenRequestBuilder()
            .withNewSpec()
            .withExpirationSeconds(LIFETIME_SECONDS)
            .endSpec()
            .build();
    return admin
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(serviceAccount)
        .tokenRequest(request)
        .getStatus()
        .getToken();
  }
}
