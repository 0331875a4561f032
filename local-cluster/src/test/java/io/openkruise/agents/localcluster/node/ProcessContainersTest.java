package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.junit.TestNamespace;
import io.openkruise.agents.localcluster.junit.WithLocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container whose image is mapped to a local command runs as a real process, like a kubelet runs
 * an image: env resolved from the spec, the pod ServiceAccount's token (RBAC applies to it), its
 * output in the node's logs, and it is gone when the pod is.
 */
@WithLocalCluster
@io.openkruise.agents.testing.tier.ClusterTier
class ProcessContainersTest {
  private static final String NODE = "process-node-0";

  /** Writes its env into its working dir and its token's identity is checked by the test. */
  private static final String SCRIPT = "env > env.txt; echo started on \"$BIND\"; exec sleep 600";

  private static LocalNode node;
  private static Path nodeDir;

  @BeforeAll
  static void startASecondNode(LocalCluster cluster, @TempDir Path dir) {
    assumeTrue(cluster.isReal(), "needs the real tier: " + cluster.description());
    nodeDir = dir;
    // A node of its own on the shared API server: only pods bound to it run processes.
    node =
        LocalNode.start(
            cluster.client(),
            LocalNodeOptions.builder(dir)
                .nodeNames(List.of(NODE))
                .imageProcesses(
                    Map.of(
                        "example/shell",
                        new ImageProcess(
                            List.of("sh", "-c", SCRIPT), Map.of("BIND", ImageProcess.POD_IP))))
                .build());
  }

  @AfterAll
  static void stopTheNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aMappedImageRunsAsAProcessWithThePodServiceAccountsIdentity(
      KubernetesClient client, @TestNamespace String ns, LocalCluster cluster) throws Exception {
    client
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("runner").endMetadata().build())
        .create();
    client
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName("read-config")
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("configmaps")
                .withVerbs("list")
                .endRule()
                .build())
        .create();
    client
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("read-config")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "read-config")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("runner")
                .withNamespace(ns)
                .endSubject()
                .build())
        .create();
    client
        .secrets()
        .resource(
            new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName("creds")
                .endMetadata()
                .addToStringData("key", "s3cret")
                .build())
        .create();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("shell")
            .endMetadata()
            .withNewSpec()
            .withNodeName(NODE)
            .withServiceAccountName("runner")
            .withTerminationGracePeriodSeconds(1L)
            .addNewContainer()
            .withName("main")
            .withImage("registry.example:5000/example/shell:1.0")
            .addNewEnv()
            .withName("PLAIN")
            .withValue("a")
            .endEnv()
            .addNewEnv()
            .withName("DERIVED")
            .withValue("$(PLAIN)-b")
            .endEnv()
            .addNewEnv()
            .withName("FROM_SECRET")
            .withNewValueFrom()
            .withNewSecretKeyRef("key", "creds", false)
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("MY_IP")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("status.podIP")
            .endFieldRef()
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("MY_SA")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("spec.serviceAccountName")
            .endFieldRef()
            .endValueFrom()
            .endEnv()
            .endContainer()
            .endSpec()
            .build();
    client.resource(pod).create();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> node.pods().containerProcess(ns, "shell", "main").isPresent());
    ProcessHandle process = node.pods().containerProcess(ns, "shell", "main").orElseThrow();
    String ip = node.pods().podIp(ns, "shell").orElseThrow();
    Path log = node.containerLog(ns, "shell", "main");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log) && Files.size(log) > 0);
    assertThat(Files.readString(log)).contains("started on " + ip);

    String uid = client.pods().withName("shell").get().getMetadata().getUid();
    Path envFile =
        nodeDir.resolve("pods").resolve(ns + "_shell_" + uid).resolve("containers/main/env.txt");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(envFile));
    Map<String, String> env =
        Arrays.stream(Files.readString(envFile).split("\n"))
            .filter(l -> l.contains("="))
            .collect(
                Collectors.toMap(
                    l -> l.substring(0, l.indexOf('=')),
                    l -> l.substring(l.indexOf('=') + 1),
                    (a, b) -> b));
    assertThat(env)
        .containsEntry("PLAIN", "a")
        .containsEntry("DERIVED", "a-b")
        .containsEntry("FROM_SECRET", "s3cret")
        .containsEntry("MY_IP", ip)
        .containsEntry("MY_SA", "runner")
        .containsEntry("BIND", ip)
        .containsEntry("KUBERNETES_NAMESPACE", ns)
        .containsEntry("KUBERNETES_AUTH_TRYKUBECONFIG", "false")
        .doesNotContainKey("KUBECONFIG");

    // The token is the ServiceAccount's: RBAC lets it list config maps here and nothing else.
    String token = Files.readString(Path.of(env.get("KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN")));
    try (KubernetesClient asRunner =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(cluster.config())
                    .withClientCertData(null)
                    .withClientKeyData(null)
                    .withOauthToken(token)
                    .withCaCertData(null)
                    .withCaCertFile(env.get("KUBERNETES_CERTS_CA_FILE"))
                    .withNamespace(ns)
                    .build())
            .build()) {
      assertThat(asRunner.configMaps().list().getItems()).isNotNull();
      assertThatThrownBy(() -> asRunner.secrets().list())
          .isInstanceOf(KubernetesClientException.class)
          .hasMessageContaining("system:serviceaccount:" + ns + ":runner");
    }

    client.pods().withName("shell").delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> client.pods().withName("shell").get() == null);
    await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive());
    assertThat(node.pods().containerProcess(ns, "shell", "main")).isEmpty();
  }
}
