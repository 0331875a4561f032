package io.openkruise.agents.e2e;

import static io.openkruise.agents.e2e.ChartE2e.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.testing.E2bApi;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.EnvdCommand;
import io.openkruise.agents.testing.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart installed onto the local cluster's real API server, its images run by the
 * simulated node as our built apps (each a process on its pod's address, authenticated with its
 * chart ServiceAccount's token, so the API server enforces the chart's RBAC), then the seed flow
 * through the manager: create from the seed pool, run a command through the proxy, kill.
 */
@io.openkruise.agents.testing.tier.E2eTier
class HelmChartOnLocalClusterTest {

  private static final String DOMAIN = "sandbox.test.local:7788";
  private static final String ADMIN_KEY = "e2b_" + "fedcba9876543210".repeat(2) + "fedcba98";
  private static final String MANAGER_SA = "system:serviceaccount:" + NS + ":sandbox-manager";
  private static final String CONTROLLER_SA =
      "system:serviceaccount:" + NS + ":sandbox-controller-manager";

  private static LocalCluster cluster;
  private static KubernetesClient kube;
  private static Path root;
  private static String manager;
  private static String managerManagement;

  @BeforeAll
  static void installTheChart() throws Exception {
    root = Repository.root();
    cluster = ChartE2e.clusterRunningTheBuiltServices(root);
    kube = cluster.client();
    ChartE2e.installAndAwait(
        root,
        cluster,
        ADMIN_KEY,
        Map.of("e2b.domain", DOMAIN),
        HelmChartOnLocalClusterTest::diagnostics);
    String managerIp = podOf("sandbox-manager").getStatus().getPodIP();
    manager = "http://" + managerIp + ":7788";
    managerManagement = "http://" + managerIp + ":9000";

    kube.resource(ChartE2e.seedPool(kube, root, 2)).create();
    E2eFixtures.awaitAvailable(kube, "default", "code-interpreter", 2);
  }

  @AfterAll
  static void stopTheCluster() throws IOException {
    if (cluster == null) {
      return;
    }
    try {
      keepLogs();
    } finally {
      cluster.close();
    }
  }

  /** The node's container logs outlive the cluster's temp dir in target/helm-e2e-logs. */
  private static void keepLogs() throws IOException {
    Path logs = cluster.kubernetes().orElseThrow().workDir().resolve("node/logs");
    Path kept = Path.of("target", "helm-e2e-logs");
    if (Files.exists(kept)) {
      try (Stream<Path> old = Files.list(kept)) {
        for (Path f : old.toList()) {
          Files.delete(f);
        }
      }
    }
    Files.createDirectories(kept);
    if (!Files.exists(logs)) {
      return;
    }
    try (Stream<Path> files = Files.list(logs)) {
      for (Path f : files.toList()) {
        Files.copy(
            f, kept.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static Pod podOf(String app) {
    return ChartE2e.podOf(kube, app);
  }

  /** Pods, their conditions and the tails of the node's container logs. */
  private static String diagnostics() {
    StringBuilder sb = new StringBuilder();
    for (Pod p : kube.pods().inNamespace(NS).list().getItems()) {
      sb.append(p.getMetadata().getName())
          .append(' ')
          .append(p.getStatus() == null ? null : p.getStatus().getConditions())
          .append('\n');
    }
    Path logs = cluster.kubernetes().orElseThrow().workDir().resolve("node/logs");
    try (Stream<Path> files = Files.exists(logs) ? Files.list(logs) : Stream.empty()) {
      for (Path f : files.toList()) {
        List<String> lines = Files.readAllLines(f);
        sb.append("--- ").append(f).append('\n');
        sb.append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
        sb.append('\n');
      }
    } catch (IOException e) {
      sb.append("(logs unreadable: ").append(e).append(")\n");
    }
    return sb.toString();
  }

  private static Reply call(String method, String path, String body) throws Exception {
    return call(method, path, ADMIN_KEY, body);
  }

  private static Reply call(String method, String path, String key, String body) throws Exception {
    return E2bApi.call(manager, method, path, key, body, Duration.ofSeconds(90));
  }

  @Test
  void createRunAndKillThroughTheInstalledManager() throws Exception {
    Reply created = call("POST", "/sandboxes", "{\"templateID\":\"code-interpreter-v1\"}");
    assertThat(created.status()).as("%s", created.body()).isEqualTo(201);
    String id = created.body().path("sandboxID").asText();
    assertThat(id).matches("[a-z0-9]{20}");
    String name = sandboxNamed(id).getMetadata().getName();
    assertThat(name).startsWith("code-interpreter-");
    assertThat(created.body().path("domain").asText()).isEqualTo(DOMAIN);

    String token = created.body().path("envdAccessToken").asText();
    assertThat(runThroughProxy(id, token, "echo hello-from-$((40+2))"))
        .isEqualTo("hello-from-42\n");

    assertThat(call("DELETE", "/sandboxes/" + id, null).status()).isEqualTo(204);
    assertThat(call("GET", "/sandboxes/" + id, null).status()).isEqualTo(404);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                kube.resources(Sandbox.class).inNamespace("default").withName(name).get() == null);
  }

  /** The Sandbox carrying this E2B ID label (the ID names no namespace or Sandbox). */
  private static Sandbox sandboxNamed(String id) {
    List<Sandbox> found =
        kube.resources(Sandbox.class)
            .inNamespace("default")
            .withLabel(MetadataKeys.LABEL_SANDBOX_ID, id)
            .list()
            .getItems();
    assertThat(found).as("Sandbox labelled " + id).hasSize(1);
    return found.get(0);
  }

  /**
   * A new API key goes into the key-store Secret (the manager's Role in the system namespace), and
   * a sandbox created with it runs and is killed; nothing but the deliberately broken Role (the
   * test below) is ever refused.
   */
  @Test
  void aNewKeyCreatesAndKillsUnderTheChartRoles() throws Exception {
    Reply key = call("POST", "/api-keys", "{\"name\":\"team\"}");
    assertThat(key.status()).as("%s", key.body()).isEqualTo(201);
    String team = key.body().path("key").asText();
    Reply created =
        call(
            "POST",
            "/sandboxes",
            team,
            "{\"templateID\":\"code-interpreter\",\"envVars\":{\"GREETING\":\"hi\"}}");
    assertThat(created.status()).as("%s", created.body()).isEqualTo(201);
    String id = created.body().path("sandboxID").asText();
    String token = created.body().path("envdAccessToken").asText();
    assertThat(runThroughProxy(id, token, "echo $GREETING")).isEqualTo("hi\n");
    assertThat(call("GET", "/sandboxes/" + id, null).status())
        .as("another key's sandbox is 404")
        .isEqualTo(404);
    assertThat(call("DELETE", "/sandboxes/" + id, team, null).status()).isEqualTo(204);

    assertThat(containerLog("sandbox-manager").lines().filter(l -> l.contains("forbidden")))
        .allMatch(l -> l.contains("cannot patch resource \"sandboxes\""));
  }

  /**
   * Pause and connect under the chart's Roles: the manager patches, the controller deletes the pod
   * and later creates a new one, and the manager re-inits the runtime with the create's env vars.
   */
  @Test
  void pauseAndConnectUnderTheChartRoles() throws Exception {
    Reply created =
        call(
            "POST",
            "/sandboxes",
            "{\"templateID\":\"code-interpreter\",\"envVars\":{\"GREETING\":\"again\"}}");
    assertThat(created.status()).as("%s", created.body()).isEqualTo(201);
    String id = created.body().path("sandboxID").asText();
    assertThat(call("POST", "/sandboxes/" + id + "/pause", null).status()).isEqualTo(204);
    assertThat(call("GET", "/sandboxes/" + id, null).body().path("state").asText())
        .isEqualTo("paused");

    Reply connected = call("POST", "/sandboxes/" + id + "/connect", "{\"timeout\":120}");
    assertThat(connected.status()).as("%s", connected.body()).isIn(200, 201);
    String token = connected.body().path("envdAccessToken").asText();
    assertThat(runThroughProxy(id, token, "echo $GREETING")).isEqualTo("again\n");
    assertThat(call("DELETE", "/sandboxes/" + id, null).status()).isEqualTo(204);
  }

  @Test
  void theChartServiceAccountsGetOnlyTheirRoles() {
    assertThat(allowed(MANAGER_SA, "agents.kruise.io", "sandboxes", "patch", "default")).isTrue();
    assertThat(allowed(MANAGER_SA, "", "secrets", "list", null)).isFalse();
    assertThat(allowed(MANAGER_SA, "", "secrets", "get", "default")).isFalse();
    assertThat(allowed(MANAGER_SA, "", "pods", "delete", "default")).isFalse();
    assertThat(allowed(CONTROLLER_SA, "", "pods", "create", "default")).isTrue();
    // The runtime Secret each Sandbox owns (cluster-wide without servedNamespaces).
    assertThat(allowed(CONTROLLER_SA, "", "secrets", "create", "default")).isTrue();
    assertThat(allowed(CONTROLLER_SA, "coordination.k8s.io", "leases", "update", "default"))
        .isFalse();
  }

  /**
   * The manager's Secret access is the key store, by name: it can neither read the admin key, the
   * sandbox key or any other Secret of its namespace, nor list them, nor create one.
   */
  @Test
  void theManagerCannotReadAnArbitrarySecret() {
    assertThat(allowed(MANAGER_SA, "", "secrets", "get", NS, "e2b-key-store")).isTrue();
    assertThat(allowed(MANAGER_SA, "", "secrets", "watch", NS, "e2b-key-store")).isTrue();
    assertThat(allowed(MANAGER_SA, "", "secrets", "patch", NS, "e2b-key-store")).isTrue();
    for (String other :
        List.of("sandbox-manager-admin-key", "kruise-agents-sandbox-key", "any-other-secret")) {
      assertThat(allowed(MANAGER_SA, "", "secrets", "get", NS, other)).as(other).isFalse();
      assertThat(allowed(MANAGER_SA, "", "secrets", "patch", NS, other)).as(other).isFalse();
    }
    assertThat(allowed(MANAGER_SA, "", "secrets", "list", NS)).isFalse();
    assertThat(allowed(MANAGER_SA, "", "secrets", "watch", NS)).isFalse();
    assertThat(allowed(MANAGER_SA, "", "secrets", "create", NS)).isFalse();
    // The chart made the store, so the first key needs no create (aNewKeyCreates... proves it).
    assertThat(kube.secrets().inNamespace(NS).withName("e2b-key-store").get()).isNotNull();
  }

  /** /q/* (metrics carry request paths) answers only on the management port. */
  @Test
  void healthAndMetricsAreOnlyOnTheManagementPort() throws Exception {
    for (String path : List.of("/q/metrics", "/q/health/ready")) {
      Reply viaPublic = call("GET", path, null);
      assertThat(viaPublic.status()).as(path).isEqualTo(404);
      assertThat(viaPublic.body().path("code").asInt()).isEqualTo(404);
    }
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (String path : List.of("/q/metrics", "/q/health/ready")) {
      var r =
          http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(managerManagement + path))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(200);
    }
  }

  /**
   * The manager really calls as its ServiceAccount: with {@code patch} on Sandboxes taken from its
   * ClusterRole, a create fails (it would succeed with the admin kubeconfig); put back, it works.
   */
  @Test
  void theManagerCallsTheApiServerAsItsServiceAccount() throws Exception {
    String role = "kruise-agents-sandbox-manager";
    ClusterRole original = kube.rbac().clusterRoles().withName(role).get();
    ClusterRole broken = kube.rbac().clusterRoles().withName(role).get();
    List<PolicyRule> rules = new ArrayList<>();
    for (PolicyRule r : broken.getRules()) {
      if (r.getResources().contains("sandboxes")) {
        r.setVerbs(r.getVerbs().stream().filter(v -> !v.equals("patch")).toList());
      }
      rules.add(r);
    }
    broken.setRules(rules);
    kube.resource(broken).update();
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !allowed(MANAGER_SA, "agents.kruise.io", "sandboxes", "patch", "default"));
      Reply denied =
          call(
              "POST",
              "/sandboxes",
              "{\"templateID\":\"code-interpreter\",\"metadata\":{"
                  + "\"e2b.agents.kruise.io/claim-timeout-seconds\":\"2\"}}");
      assertThat(denied.status()).as("%s", denied.body()).isGreaterThanOrEqualTo(400);
      assertThat(containerLog("sandbox-manager"))
          .contains(
              "User \"" + MANAGER_SA + "\" cannot patch resource \"sandboxes\"",
              "agents.kruise.io");
    } finally {
      original.getMetadata().setResourceVersion(null);
      kube.resource(original).update();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> allowed(MANAGER_SA, "agents.kruise.io", "sandboxes", "patch", "default"));
    Reply created = call("POST", "/sandboxes", "{\"templateID\":\"code-interpreter\"}");
    assertThat(created.status()).as("%s", created.body()).isEqualTo(201);
    assertThat(
            call("DELETE", "/sandboxes/" + created.body().path("sandboxID").asText(), null)
                .status())
        .isEqualTo(204);
  }

  /**
   * controller-manager holds its leader Lease and keeps renewing it (fabric8 renews with PATCH: a
   * Role without it lets the leader take the Lease once, then lose it), and nothing it does is
   * refused.
   */
  @Test
  void theControllerRenewsItsLeaseAndIsNeverForbidden() {
    String holder = podOf("sandbox-controller-manager").getMetadata().getName();
    Lease first = lease();
    assertThat(first.getSpec().getHolderIdentity()).isEqualTo(holder);
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                lease().getSpec().getRenewTime().isAfter(first.getSpec().getRenewTime())
                    && holder.equals(lease().getSpec().getHolderIdentity()));
    assertThat(containerLog("sandbox-controller-manager")).doesNotContain("forbidden");
  }

  private static Lease lease() {
    return kube.resources(Lease.class)
        .inNamespace(NS)
        .withName("kruise-agents-controller-manager")
        .get();
  }

  /** The output of a service's (only) pod, as the node wrote it. */
  private static String containerLog(String app) {
    return ChartE2e.containerLog(cluster, podOf(app));
  }

  private static boolean allowed(
      String user, String group, String resource, String verb, String namespace) {
    return allowed(user, group, resource, verb, namespace, null);
  }

  private static boolean allowed(
      String user, String group, String resource, String verb, String namespace, String name) {
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(user)
            .withGroups("system:serviceaccounts", "system:serviceaccounts:" + NS)
            .withNewResourceAttributes()
            .withGroup(group)
            .withResource(resource)
            .withVerb(verb)
            .withNamespace(namespace)
            .withName(name)
            .endResourceAttributes()
            .endSpec()
            .build();
    return kube.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }

  /** Runs a command through the manager's proxy (header routing) into envd's Connect API. */
  private static String runThroughProxy(String sandboxId, String token, String command)
      throws Exception {
    return EnvdCommand.run(
        manager,
        Map.of("E2b-Sandbox-Id", sandboxId, "E2b-Sandbox-Port", "49983", "X-Access-Token", token),
        command);
  }
}
