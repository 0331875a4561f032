package io.openkruise.agents.localcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LocalClusterMain in its own JVM: it publishes a working kubeconfig, and when that JVM is killed
 * with SIGKILL (no shutdown hooks) the watchdog still takes etcd, apiserver and controller manager
 * down with it and removes the work dir.
 */
@io.openkruise.agents.testing.tier.ClusterTier
class LocalClusterMainTest {

  @Test
  void killedMainLeavesNoOrphans(@TempDir Path tmp) throws Exception {
    Path kubeconfig = tmp.resolve("kubeconfig");
    Path work = tmp.resolve("work");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process main =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                LocalClusterMain.class.getName(),
                "--kubeconfig",
                kubeconfig.toString(),
                "--work-dir",
                work.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      CompletableFuture<Boolean> ready =
          CompletableFuture.supplyAsync(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(main.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    if (line.equals("local-cluster: ready (Ctrl-C to stop)")) {
                      return true;
                    }
                  }
                  return false;
                } catch (java.io.IOException e) {
                  return false;
                }
              });
      assertThat(ready.get(180, TimeUnit.SECONDS)).isTrue();
      assertThat(kubeconfig).isRegularFile();
      try (KubernetesClient client =
          new KubernetesClientBuilder()
              .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
              .build()) {
        assertThat(client.nodes().list().getItems())
            .extracting(n -> n.getMetadata().getName())
            .containsExactly("local-node-0");
      }
      List<ProcessHandle> children = main.descendants().toList();
      assertThat(children).hasSizeGreaterThanOrEqualTo(3);

      main.destroyForcibly();

      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                assertThat(children).noneMatch(ProcessHandle::isAlive);
                try (var s = Files.list(work)) {
                  assertThat(s.toList()).isEmpty();
                }
              });
    } finally {
      main.destroyForcibly();
      main.descendants().forEach(ProcessHandle::destroyForcibly);
    }
  }
}
