package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.testing.E2bApi;
import io.openkruise.agents.testing.E2bApi.Reply;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Both services as processes on the JVM's shared local cluster, for one test class. Registered as a
 * static extension field, {@code new TwoServices(ns -> List.of(pools...))} makes a namespace for
 * the class, creates the pools there and starts the controller-manager before the class's BeforeAll
 * methods, which start one {@link #manager} per sandbox-manager replica, all with one {@link
 * #adminKey} of the class's own. Everything it started stops after the class (logs stay in
 * target/e2e-logs) and the namespace is deleted.
 */
final class TwoServices implements BeforeAllCallback, AfterAllCallback {

  private final String adminKey = randomAdminKey();
  private final Function<String, List<SandboxSet>> pools;
  private final ServiceProcesses processes = new ServiceProcesses();
  private volatile LocalCluster cluster;
  private volatile KubernetesClient kube;
  private volatile String namespace;

  /** {@code pools}: the SandboxSets to create, given the class's namespace. */
  TwoServices(Function<String, List<SandboxSet>> pools) {
    this.pools = pools;
  }

  /** An admin key in the E2B form: {@code e2b_} and 40 hex digits. */
  private static String randomAdminKey() {
    byte[] bytes = new byte[20];
    new SecureRandom().nextBytes(bytes);
    return "e2b_" + HexFormat.of().formatHex(bytes);
  }

  /** The admin API key every sandbox-manager of the class is started with. */
  String adminKey() {
    return adminKey;
  }

  /**
   * The system namespace, the pools created in a namespace of the test class's own, and the
   * controller-manager running; the sandbox-managers start through {@link #manager}.
   */
  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    cluster = LocalCluster.shared();
    namespace = cluster.createNamespace(context.getRequiredTestClass().getSimpleName());
    kube = cluster.newClient(namespace);
    E2eFixtures.ensureSystemNamespace(kube);
    for (SandboxSet pool : pools.apply(namespace)) {
      kube.resource(pool).create();
    }
    processes.start("controller-manager", Map.of("KUBECONFIG", cluster.kubeconfig().toString()));
  }

  /**
   * Starts a sandbox-manager serving the test namespace with the admin key, {@code extraEnv} on
   * top.
   *
   * @return its E2B port on 127.0.0.1
   */
  int manager(Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = E2eFixtures.managerEnv(cluster, adminKey, namespace);
    env.putAll(extraEnv);
    return processes.start("sandbox-manager", env);
  }

  /** The management port (health, metrics) of the sandbox-manager on {@code manager}. */
  int managementPort(int manager) {
    return processes.managementPort(manager);
  }

  /** An E2B API call to the sandbox-manager on {@code manager}. */
  Reply call(int manager, String method, String path, String key, String body) throws Exception {
    return E2bApi.call(
        "http://127.0.0.1:" + manager, method, path, key, body, Duration.ofSeconds(60));
  }

  /** {@code POST /v2/sandboxes} with {@code body} as the admin; asserts 201 Created. */
  Reply create(int manager, String body) throws Exception {
    Reply created = call(manager, "POST", "/v2/sandboxes", adminKey, body);
    assertThat(created.status()).as("create %s: %s", body, created.body()).isEqualTo(201);
    return created;
  }

  /** The E2B ID of the sandbox {@link #create} makes. */
  String createdId(int manager, String body) throws Exception {
    return create(manager, body).body().path("sandboxID").asText();
  }

  /** A new tenant's API key named {@code name}, made by the admin; asserts 201 Created. */
  String newKey(int manager, String name) throws Exception {
    Reply key = call(manager, "POST", "/api-keys", adminKey, "{\"name\":\"" + name + "\"}");
    assertThat(key.status()).as("new key %s: %s", name, key.body()).isEqualTo(201);
    return key.body().path("key").asText();
  }

  KubernetesClient kube() {
    return kube;
  }

  String namespace() {
    return namespace;
  }

  /** Every Sandbox in the test namespace. */
  List<Sandbox> sandboxes() {
    return kube.resources(Sandbox.class).inNamespace(namespace).list().getItems();
  }

  /** The Sandboxes with this E2B ID (found by label: the ID says nothing about the name). */
  List<Sandbox> withSandboxId(String sandboxId) {
    return kube.resources(Sandbox.class)
        .inNamespace(namespace)
        .withLabel(MetadataKeys.LABEL_SANDBOX_ID, sandboxId)
        .list()
        .getItems();
  }

  void awaitAvailable(String set, int available) {
    E2eFixtures.awaitAvailable(kube, namespace, set, available);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      processes.afterAll(context);
    } finally {
      if (kube != null) {
        // No wait: the namespace controller empties it in the background.
        kube.namespaces().withName(namespace).delete();
        kube.close();
      }
    }
  }
}
