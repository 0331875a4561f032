package io.openkruise.agents.service.client;

import io.fabric8.kubernetes.client.Config;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** The Kubernetes client's config through {@link CertificateAuthRefresh}. */
@Singleton
public class CertificateAuthConfig implements KubernetesConfigCustomizer {

  private static final Logger LOG = Logger.getLogger(CertificateAuthConfig.class);

  @Override
  public void customize(Config config) {
    if (CertificateAuthRefresh.customize(config)) {
      LOG.debug("client certificate without token: no token refresh before each request");
    }
  }
}
