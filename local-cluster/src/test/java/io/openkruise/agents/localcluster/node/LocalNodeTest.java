package io.openkruise.agents.localcluster.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.openkruise.agents.envd.EnvdPorts;
import io.openkruise.agents.envd.RuntimeAddress;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.junit.WithLocalCluster;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pods created through the API run as agent-runtime instances on their own loopback address. */
@WithLocalCluster
@io.openkruise.agents.testing.tier.ClusterTier
class LocalNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  static void realTierOnly(LocalCluster cluster) {
    assumeTrue(cluster.node().isPresent(), "needs the node simulator: " + cluster.description());
  }

  @Test
  void podBecomesRunningAndReadyWithEnvdOnItsPodIp(KubernetesClient client, LocalNode node)
      throws Exception {
    client.resource(sandboxPod("ready")).create();

    Pod pod = awaitReady(client, "ready");
    String ip = pod.getStatus().getPodIP();
    assertThat(ip).startsWith("127.").isNotEqualTo("127.0.0.1");
    assertThat(pod.getSpec().getNodeName()).isEqualTo("local-node-0");
    assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
    assertThat(pod.getStatus().getHostIP()).isEqualTo("127.0.0.1");
    ContainerStatus cs = pod.getStatus().getContainerStatuses().get(0);
    assertThat(cs.getImage()).isEqualTo("registry.example/sandbox:v1");
    assertThat(cs.getImageID()).startsWith("local://registry.example/sandbox:v1@sha256:");
    assertThat(cs.getState().getRunning()).isNotNull();
    assertThat(node.pods().podIp(client.getNamespace(), "ready")).contains(ip);

    HttpResponse<String> health = get(RuntimeAddress.envd(ip).orElseThrow() + "/health");
    assertThat(health.statusCode()).isEqualTo(204);
    String interpreter = RuntimeAddress.baseUrl(ip, EnvdPorts.CODE_INTERPRETER).orElseThrow();
    assertThat(get(interpreter + "/health").statusCode()).isEqualTo(200);

    client.pods().withName("ready").delete();

    await().atMost(WAIT).until(() -> client.pods().withName("ready").get() == null);
    await().atMost(WAIT).until(() -> !listening(ip, EnvdPorts.ENVD));
    assertThat(node.pods().podIp(client.getNamespace(), "ready")).isEmpty();
  }

  @Test
  void podLogsComeThroughTheApiServerAsFromAKubelet(KubernetesClient client) throws Exception {
    client.resource(sandboxPod("logs")).create();
    String ip = awaitReady(client, "logs").getStatus().getPodIP();

    // pods/log: the API server dials the node's advertised kubelet endpoint.
    String log = client.pods().withName("logs").inContainer("main").usingTimestamps().getLog();
    assertThat(log).contains("agent-runtime ").contains(" listening on " + ip + ": envd 49983");
    assertThat(log.split(" ", 2)[0]).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(client.pods().withName("logs").inContainer("main").tailingLines(0).getLog())
        .isEmpty();

    // Only clients with a certificate of the cluster CA (the API server) read logs directly.
    int port =
        client
            .nodes()
            .withName("local-node-0")
            .get()
            .getStatus()
            .getDaemonEndpoints()
            .getKubeletEndpoint()
            .getPort();
    javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
    trustAll.init(
        null,
        new javax.net.ssl.TrustManager[] {
          new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
              return new java.security.cert.X509Certificate[0];
            }
          }
        },
        null);
    HttpClient anonymous =
        HttpClient.newBuilder().sslContext(trustAll).connectTimeout(Duration.ofSeconds(5)).build();
    URI direct =
        URI.create(
            "https://127.0.0.1:" + port + "/containerLogs/" + client.getNamespace() + "/logs/main");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                anonymous.send(
                    HttpRequest.newBuilder(direct).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    client.pods().withName("logs").delete();
  }

  @Test
  void everyPodGetsItsOwnAddress(KubernetesClient client) {
    client.resource(sandboxPod("a")).create();
    client.resource(sandboxPod("b")).create();
    String a = awaitReady(client, "a").getStatus().getPodIP();
    String b = awaitReady(client, "b").getStatus().getPodIP();
    assertThat(a).isNotEqualTo(b);
    assertThat(listening(a, EnvdPorts.ENVD)).isTrue();
    assertThat(listening(b, EnvdPorts.ENVD)).isTrue();
  }

  @Test
  void imageChangeRestartsTheContainerStatusInPlace(KubernetesClient client) {
    client.resource(sandboxPod("inplace")).create();
    Pod before = awaitReady(client, "inplace");
    String oldId = before.getStatus().getContainerStatuses().get(0).getImageID();

    client
        .pods()
        .withName("inplace")
        .patch(
            PatchContext.of(PatchType.STRATEGIC_MERGE),
            "{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"registry.example/sandbox:v2\"}]}}");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Pod p = client.pods().withName("inplace").get();
              ContainerStatus cs = p.getStatus().getContainerStatuses().get(0);
              assertThat(cs.getImage()).isEqualTo("registry.example/sandbox:v2");
              assertThat(cs.getImageID()).isNotEqualTo(oldId);
              assertThat(cs.getRestartCount()).isEqualTo(1);
              assertThat(cs.getReady()).isTrue();
              assertThat(isReady(p)).isTrue();
              assertThat(p.getStatus().getPodIP()).isEqualTo(before.getStatus().getPodIP());
            });
  }

  @Test
  void finalizersKeepAStoppedPodUntilTheyAreRemoved(KubernetesClient client) {
    Pod pod = sandboxPod("held");
    pod.getMetadata().setFinalizers(List.of("example.com/hold"));
    client.resource(pod).create();
    String ip = awaitReady(client, "held").getStatus().getPodIP();

    client.pods().withName("held").delete();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Pod p = client.pods().withName("held").get();
              assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull();
              assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded");
              assertThat(isReady(p)).isFalse();
            });
    assertThat(listening(ip, EnvdPorts.ENVD)).isFalse();

    client
        .pods()
        .withName("held")
        .edit(
            p -> {
              p.getMetadata().setFinalizers(List.of());
              return p;
            });
    await().atMost(WAIT).until(() -> client.pods().withName("held").get() == null);
  }

  @Test
  void probeOnAPortNoRuntimeServesKeepsThePodUnready(KubernetesClient client) {
    Pod pod = sandboxPod("unserved");
    pod.getSpec()
        .getContainers()
        .get(0)
        .setReadinessProbe(
            new ProbeBuilder()
                .withNewTcpSocket()
                .withPort(new IntOrString(8080))
                .endTcpSocket()
                .build());
    client.resource(pod).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Pod p = client.pods().withName("unserved").get();
              assertThat(p.getStatus().getPhase()).isEqualTo("Running");
              assertThat(isReady(p)).isFalse();
              assertThat(p.getStatus().getContainerStatuses().get(0).getStarted()).isTrue();
            });
  }

  static Pod sandboxPod(String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("app", "local-node-test")
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("main")
        .withImage("registry.example/sandbox:v1")
        // What the seed SandboxSet asks for: the code interpreter's /health.
        .withStartupProbe(
            new ProbeBuilder()
                .withNewHttpGet()
                .withPath("/health")
                .withPort(new IntOrString(EnvdPorts.CODE_INTERPRETER))
                .endHttpGet()
                .build())
        .withReadinessProbe(
            new ProbeBuilder()
                .withNewHttpGet()
                .withPath("/health")
                .withPort(new IntOrString(EnvdPorts.ENVD))
                .endHttpGet()
                .build())
        .endContainer()
        .endSpec()
        .build();
  }

  static Pod awaitReady(KubernetesClient client, String name) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> client.pods().withName(name).get(), p -> p != null && isReady(p));
  }

  static boolean isReady(Pod p) {
    return p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static boolean listening(String ip, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(ip, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
