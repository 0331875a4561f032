package io.openkruise.agents.localcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxClaimSpec;
import io.openkruise.agents.localcluster.kube.LocalKubernetes;
import java.io.InputStream;
import java.net.URL;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Docker-only tier: a real k3s (kubelet, scheduler, all controllers) via Testcontainers.
 * Skipped where there is no Docker (these workplaces); runs in the GitHub workflow. It checks that
 * our generated CRDs behave on a distribution other than the one we build ourselves.
 */
@Testcontainers(disabledWithoutDocker = true)
@io.openkruise.agents.testing.tier.E2eTier
class K3sTierTest {
  @Container
  static final K3sContainer K3S =
      new K3sContainer(DockerImageName.parse("rancher/k3s:v1.34.1-k3s1"));

  @Test
  void ourCrdsAreEstablishedAndValidateOnK3s() throws Exception {
    System.out.println("Tests run against: k3s (Testcontainers) " + K3S.getDockerImageName());
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml()))
            .build()) {
      for (URL url : LocalKubernetes.crdResourcesOnClasspath()) {
        try (InputStream in = url.openStream()) {
          CustomResourceDefinition crd =
              client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
          client.resource(crd).serverSideApply();
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .withName(crd.getMetadata().getName())
              .waitUntilCondition(
                  c ->
                      c != null
                          && c.getStatus() != null
                          && c.getStatus().getConditions().stream()
                              .anyMatch(
                                  x ->
                                      "Established".equals(x.getType())
                                          && "True".equals(x.getStatus())),
                  60,
                  TimeUnit.SECONDS);
        }
      }
      SandboxClaim claim = new SandboxClaim();
      claim.getMetadata().setName("zero");
      claim.getMetadata().setNamespace("default");
      claim.setSpec(new SandboxClaimSpec());
      claim.getSpec().setTemplateName("code-interpreter");
      claim.getSpec().setReplicas(0);
      assertThatThrownBy(() -> client.resource(claim).create())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422));
    }
  }
}
