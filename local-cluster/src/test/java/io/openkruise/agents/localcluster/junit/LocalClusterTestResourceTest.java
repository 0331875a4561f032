package io.openkruise.agents.localcluster.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.localcluster.LocalCluster;
import java.lang.reflect.Field;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Quarkus test resource, driven the way Quarkus drives it (init, start, inject, stop) without a
 * Quarkus app: a client built only from the returned config keys must reach the shared cluster.
 */
@io.openkruise.agents.testing.tier.ClusterTier
class LocalClusterTestResourceTest {
  @TestNamespace String injectedNamespace;

  @Test
  void configKeysPointAClientAtTheSharedCluster() throws Exception {
    LocalClusterTestResource resource = new LocalClusterTestResource();
    resource.init(Map.of());
    Map<String, String> cfg = resource.start();
    resource.inject(
        (value, predicate) -> {
          for (Field f : getClass().getDeclaredFields()) {
            if (predicate.test(f)) {
              try {
                f.set(this, value);
              } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
              }
            }
          }
        });

    String ns = cfg.get("quarkus.kubernetes-client.namespace");
    assertThat(ns).startsWith("quarkus-");
    assertThat(injectedNamespace).isEqualTo(ns);
    assertThat(cfg).containsEntry("quarkus.kubernetes-client.devservices.enabled", "false");

    ConfigBuilder b =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(cfg.get("quarkus.kubernetes-client.api-server-url"))
            .withTrustCerts(Boolean.parseBoolean(cfg.get("quarkus.kubernetes-client.trust-certs")))
            .withNamespace(ns);
    if (LocalCluster.shared().isReal()) {
      assertThat(cfg.get("quarkus.kubernetes-client.api-server-url"))
          .startsWith("https://127.0.0.1:");
      assertThat(cfg).containsEntry("quarkus.kubernetes-client.trust-certs", "false");
      b.withCaCertFile(cfg.get("quarkus.kubernetes-client.ca-cert-file"))
          .withClientCertFile(cfg.get("quarkus.kubernetes-client.client-cert-file"))
          .withClientKeyFile(cfg.get("quarkus.kubernetes-client.client-key-file"))
          .withClientKeyAlgo(cfg.get("quarkus.kubernetes-client.client-key-algo"));
    } else {
      b.withOauthToken("mock");
    }
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(b.build()).build()) {
      assertThat(client.namespaces().withName(ns).get()).isNotNull();
      Sandbox s = new Sandbox();
      s.getMetadata().setName("via-quarkus-config");
      client.resource(s).create();
      assertThat(client.resources(Sandbox.class).withName("via-quarkus-config").get()).isNotNull();
    }

    resource.stop();
    assertThat(LocalCluster.shared().client().namespaces().withName(ns).get()).isNotNull();
  }

  @Test
  void aNamedNamespaceIsCreatedWhenMissing() {
    LocalClusterTestResource resource = new LocalClusterTestResource();
    resource.init(Map.of(LocalClusterTestResource.NAMESPACE_ARG, "quarkus-fixed"));
    Map<String, String> cfg = resource.start();
    assertThat(cfg).containsEntry("quarkus.kubernetes-client.namespace", "quarkus-fixed");
    assertThat(LocalCluster.shared().client().namespaces().withName("quarkus-fixed").get())
        .isNotNull();
    // idempotent: a second Quarkus app start with the same namespace
    assertThat(
            new LocalClusterTestResource() {
              {
                init(Map.of(LocalClusterTestResource.NAMESPACE_ARG, "quarkus-fixed"));
              }
            }.start())
        .containsEntry("quarkus.kubernetes-client.namespace", "quarkus-fixed");
  }
}
