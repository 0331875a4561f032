package io.openkruise.agents.service.client;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.OAuthTokenProvider;

/**
 * Stops fabric8's token refresh from re-reading the kubeconfig on every API request when the client
 * authenticates with a certificate and has no token at all (the local cluster's kubeconfig,
 * bin/run-local). fabric8's {@code TokenRefreshInterceptor} refreshes at most once a minute only
 * after a refresh yielded a token; with none it calls {@code Config.refresh()} (read and parse the
 * kubeconfig, merge it with system properties and environment) before each request, a fifth of the
 * controller-manager's sampled CPU in a benchmark. A refresh cannot give a certificate-only config
 * anything (it only carries tokens over), so such a config gets a token provider with no token: the
 * interceptor then asks it instead of refreshing. Configs with any token, basic auth or a token
 * provider of their own (a service account, exec or OIDC credentials) are left alone.
 */
public final class CertificateAuthRefresh {

  private CertificateAuthRefresh() {}

  /** Applies the no-token provider when {@link #applies}; returns whether it did. */
  public static boolean customize(Config config) {
    if (!applies(config)) {
      return false;
    }
    config.setOauthTokenProvider(new NoToken());
    return true;
  }

  /** A certificate-authenticated config with no token, no basic auth and no token provider. */
  public static boolean applies(Config config) {
    boolean certificate =
        notEmpty(config.getClientCertData()) || notEmpty(config.getClientCertFile());
    return certificate
        && config.getOauthTokenProvider() == null
        && !notEmpty(config.getOauthToken())
        && !notEmpty(config.getAutoOAuthToken())
        && !notEmpty(config.getUsername())
        && config.getAuthProvider() == null;
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }

  /** No token: requests go out with the client certificate only, as before. */
  static final class NoToken implements OAuthTokenProvider {
    @Override
    public String getToken() {
      return null;
    }
  }
}
