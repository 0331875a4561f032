package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.testing.E2bApi;
import io.openkruise.agents.testing.E2bApi.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Both services as processes on the local cluster, for one test class: {@code @RegisterExtension
 * static final TwoServices services = new TwoServices(ADMIN_KEY);}, then in {@code @BeforeAll}
 * (which receives the cluster) {@link #start} and one {@link #manager} per sandbox-manager replica.
 * Everything it started stops after the class (logs stay in target/e2e-logs).
 */
final class TwoServices implements AfterAllCallback {

  private final String adminKey;
  private volatile ServiceProcesses processes;
  private volatile LocalCluster cluster;
  private volatile KubernetesClient kube;
  private volatile String namespace;

  TwoServices(String adminKey) {
    this.adminKey = adminKey;
  }

  /**
   * The system namespace, {@code pools} created in {@code namespace}, and the controller-manager
   * running; the sandbox-managers start through {@link #manager}.
   */
  void start(LocalCluster cluster, KubernetesClient client, String namespace, SandboxSet... pools)
      throws Exception {
    this.cluster = cluster;
    this.kube = client;
    this.namespace = namespace;
    E2eFixtures.ensureSystemNamespace(client);
    for (SandboxSet pool : pools) {
      client.resource(pool).create();
    }
    processes = new ServiceProcesses(Path.of("target", "e2e-logs"));
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

  /** {@code POST /v2/sandboxes} with {@code body} as {@code key}; asserts 201 Created. */
  Reply create(int manager, String key, String body) throws Exception {
    Reply created = call(manager, "POST", "/v2/sandboxes", key, body);
    assertThat(created.status()).as("create %s: %s", body, created.body()).isEqualTo(201);
    return created;
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
    E2eFixtures.stop(processes);
  }
}
