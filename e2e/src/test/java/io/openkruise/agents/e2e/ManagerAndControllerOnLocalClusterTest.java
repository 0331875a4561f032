package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.EnvdCommand;
import io.openkruise.agents.testing.JsSdkScript;
import io.openkruise.agents.testing.Pools;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * sandbox-manager and controller-manager as real processes on the local cluster (real API server,
 * simulated nodes with an agent-runtime per pod): the E2B control plane's "done when" scenarios
 * that need both services at once.
 */
@io.openkruise.agents.testing.tier.E2eTier
class ManagerAndControllerOnLocalClusterTest {

  @RegisterExtension
  static final TwoServices services =
      new TwoServices(
          ns -> List.of(Pools.initSet(ns, "e2e-pool", 4), Pools.initSet(ns, "e2e-burst", 40)));

  private static final String ADMIN_KEY = services.adminKey();

  private static int managerA;
  private static int managerB;

  @BeforeAll
  static void startManagers() throws Exception {
    managerA = services.manager(Map.of());
    managerB = services.manager(Map.of());
    awaitPool("e2e-pool", 4);
  }

  private static void awaitPool(String set, int available) {
    services.awaitAvailable(set, available);
  }

  private static Reply call(int port, String method, String path, String key, String body)
      throws Exception {
    return services.call(port, method, path, key, body);
  }

  /** The Sandbox with this E2B ID: found by its label, the ID says nothing about the name. */
  private static Sandbox sandboxOf(String sandboxId) {
    List<Sandbox> found = services.withSandboxId(sandboxId);
    return found.isEmpty() ? null : found.get(0);
  }

  /** Metrics carry request paths: they are on the management port, never on the E2B port. */
  @Test
  void healthAndMetricsAreOnlyOnTheManagementPort() throws Exception {
    for (String path : List.of("/q/metrics", "/q/health/ready")) {
      Reply viaPublic = call(managerA, "GET", path, ADMIN_KEY, null);
      assertThat(viaPublic.status()).as(path).isEqualTo(404);
      assertThat(viaPublic.body().path("code").asInt()).isEqualTo(404);
    }
    java.net.http.HttpResponse<String> metrics =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(
                            "http://127.0.0.1:" + services.managementPort(managerA) + "/q/metrics"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("# HELP", "jvm_");
  }

  @Test
  void createFromTheWarmPoolAnswers201AndThePoolRefills() throws Exception {
    Reply created = services.create(managerA, "{\"templateID\":\"e2e-pool\",\"timeout\":300}");
    String id = created.body().path("sandboxID").asText();
    assertThat(id).matches("[a-z0-9]{20}");
    assertThat(sandboxOf(id).getMetadata().getName()).startsWith("e2e-pool-");
    assertThat(created.body().path("envdAccessToken").asText()).isNotEmpty();
    assertThat(created.body().path("envdVersion").asText()).isEqualTo("0.6.4");
    assertThat(sandboxOf(id).getMetadata().getLabels())
        .containsEntry(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true");
    // The other replica answers for it at once (state is in the API server, not in a replica).
    assertThat(call(managerB, "GET", "/sandboxes/" + id, ADMIN_KEY, null).status()).isEqualTo(200);
    awaitPool("e2e-pool", 4);
  }

  @Test
  void listFiltersByMetadataAndAnotherKeySees404() throws Exception {
    String id =
        services.createdId(
            managerA, "{\"templateID\":\"e2e-pool\",\"metadata\":{\"suite\":\"e2e list\"}}");
    String query =
        URLEncoder.encode(
            "suite=" + URLEncoder.encode("e2e list", StandardCharsets.UTF_8),
            StandardCharsets.UTF_8);
    Reply listed = call(managerB, "GET", "/v2/sandboxes?metadata=" + query, ADMIN_KEY, null);
    assertThat(listed.status()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    listed.body().forEach(s -> ids.add(s.path("sandboxID").asText()));
    assertThat(ids).containsExactly(id);

    String other = services.newKey(managerA, "other team");
    Reply foreign = call(managerB, "GET", "/sandboxes/" + id, other, null);
    assertThat(foreign.status()).isEqualTo(404);
    assertThat(foreign.body().path("code").asInt()).isEqualTo(404);
    assertThat(call(managerA, "DELETE", "/sandboxes/" + id, other, null).status()).isEqualTo(404);
    assertThat(call(managerA, "DELETE", "/sandboxes/" + id, ADMIN_KEY, null).status())
        .isEqualTo(204);
  }

  @Test
  void pauseThenConnectRunsAgainWithTheRuntimeReinitialized() throws Exception {
    Reply created =
        services.create(
            managerA, "{\"templateID\":\"e2e-pool\",\"envVars\":{\"GREETING\":\"hello-again\"}}");
    String id = created.body().path("sandboxID").asText();
    String token = created.body().path("envdAccessToken").asText();
    String firstPod = sandboxOf(id).getStatus().getPodInfo().getPodUID();

    assertThat(call(managerB, "POST", "/sandboxes/" + id + "/pause", ADMIN_KEY, null).status())
        .isEqualTo(204);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                "paused"
                    .equals(
                        call(managerA, "GET", "/sandboxes/" + id, ADMIN_KEY, null)
                            .body()
                            .path("state")
                            .asText()));

    Reply connected =
        call(managerA, "POST", "/sandboxes/" + id + "/connect", ADMIN_KEY, "{\"timeout\":300}");
    assertThat(connected.status()).isEqualTo(201);
    assertThat(
            call(managerB, "GET", "/sandboxes/" + id, ADMIN_KEY, null)
                .body()
                .path("state")
                .asText())
        .isEqualTo("running");
    Sandbox resumed = sandboxOf(id);
    assertThat(resumed.getStatus().getPodInfo().getPodUID()).isNotEqualTo(firstPod);
    // The new pod's runtime got the env vars (and token) again.
    assertThat(runInSandbox(resumed.getStatus().getSandboxIp(), token, "echo $GREETING"))
        .isEqualTo("hello-again\n");
  }

  @Test
  void twoManagersClaiming200TimesConcurrentlyNeverShareASandbox() throws Exception {
    awaitPool("e2e-burst", 40);
    ExecutorService threads = Executors.newFixedThreadPool(16);
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      int port = i % 2 == 0 ? managerA : managerB;
      replies.add(
          threads.submit(
              () ->
                  call(
                      port,
                      "POST",
                      "/v2/sandboxes",
                      ADMIN_KEY,
                      "{\"templateID\":\"e2e-burst\",\"timeout\":300,\"metadata\":{"
                          + "\"e2b.agents.kruise.io/claim-timeout-seconds\":\"55\"}}")));
    }
    Set<String> ids = new HashSet<>();
    List<String> failures = new ArrayList<>();
    for (Future<Reply> f : replies) {
      Reply r = f.get(120, TimeUnit.SECONDS);
      if (r.status() == 201) {
        assertThat(ids.add(r.body().path("sandboxID").asText()))
            .as("sandbox handed out twice: %s", r.body())
            .isTrue();
      } else {
        failures.add(r.status() + " " + r.body());
      }
    }
    threads.shutdownNow();
    assertThat(failures).isEmpty();
    assertThat(ids).hasSize(200);
    // Every claim writes a fresh random ID, so distinct IDs alone prove nothing: each ID must
    // name its own Sandbox.
    Set<String> names = new HashSet<>();
    for (String id : ids) {
      Sandbox s = sandboxOf(id);
      assertThat(s).as("Sandbox labelled %s", id).isNotNull();
      assertThat(names.add(s.getMetadata().getName()))
          .as("Sandbox %s handed out twice", s.getMetadata().getName())
          .isTrue();
    }
  }

  @Test
  void unpatchedJsSdkRunsCommandsAndFilesThroughTheProxy() throws Exception {
    String id = services.createdId(managerA, "{\"templateID\":\"e2e-pool\"}");
    // API on one replica, sandbox traffic through the other: header routing, no patch.
    JsSdkScript.run(
        Path.of("").toAbsolutePath().getParent(),
        "http://127.0.0.1:" + managerB,
        "http://127.0.0.1:" + managerA,
        ADMIN_KEY,
        id,
        "/home/user/e2e-sdk.txt");
  }

  /** Runs a command through envd's Connect API on the pod IP; returns its stdout. */
  private static String runInSandbox(String podIp, String token, String command) throws Exception {
    return EnvdCommand.run("http://" + podIp + ":49983", Map.of("X-Access-Token", token), command);
  }
}
