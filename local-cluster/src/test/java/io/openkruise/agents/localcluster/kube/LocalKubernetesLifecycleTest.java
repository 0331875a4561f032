package io.openkruise.agents.localcluster.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A private cluster (not the shared one) started and stopped: nothing may outlive close(). */
@io.openkruise.agents.testing.tier.ClusterTier
class LocalKubernetesLifecycleTest {

  @Test
  void closeLeavesNoProcessAndNoFiles() {
    LocalKubernetes kube = LocalKubernetes.start();
    List<ProcessHandle> processes;
    Path workDir = kube.workDir();
    try {
      processes = kube.processes();
      assertThat(processes.stream().map(h -> h.info().command().orElse("")))
          .anyMatch(c -> c.endsWith("/etcd"))
          .anyMatch(c -> c.endsWith("/kube-apiserver"))
          .anyMatch(c -> c.endsWith("/kube-controller-manager"));
      assertThat(kube.version()).startsWith("v1.");
      assertThat(kube.kubeconfig()).isRegularFile();
      try (KubernetesClient fromKubeconfig =
          new io.fabric8.kubernetes.client.KubernetesClientBuilder()
              .withConfig(
                  io.fabric8.kubernetes.client.Config.fromKubeconfig(readString(kube.kubeconfig())))
              .build()) {
        assertThat(
                fromKubeconfig.apiextensions().v1().customResourceDefinitions().list().getItems())
            .extracting(c -> c.getMetadata().getName())
            .contains(
                "sandboxes.agents.kruise.io",
                "sandboxsets.agents.kruise.io",
                "sandboxclaims.agents.kruise.io");
      }
    } finally {
      long t0 = System.nanoTime();
      kube.close();
      System.out.printf("[lifecycle] close() took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    assertThat(processes).noneMatch(ProcessHandle::isAlive);
    assertThat(kube.processes()).isEmpty();
    assertThat(workDir).doesNotExist();
  }

  private static String readString(Path p) {
    try {
      return java.nio.file.Files.readString(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
