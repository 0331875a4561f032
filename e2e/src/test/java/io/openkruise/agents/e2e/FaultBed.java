package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.testing.E2bApi;
import io.openkruise.agents.testing.E2bApi.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What the fault tests share: counting sandboxes and pods, the leader, clients that retry. */
final class FaultBed {

  static final String ADMIN_KEY = "e2b_" + "0123456789abcdef".repeat(2) + "fedcba98";

  /** The controller-manager's Lease (chart default name, system namespace). */
  static final String CONTROLLER_LEASE = "kruise-agents-controller-manager";

  private FaultBed() {}

  /**
   * A service's environment for these tests: the cluster, and fabric8's request timeout raised from
   * 10 s to 60 s, as bench/bin/run does: on a loaded machine the first informer list can take
   * longer than 10 s, and a service that cannot sync at start never becomes ready.
   */
  static Map<String, String> serviceEnv(String kubeconfig) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("KUBECONFIG", kubeconfig);
    env.put("QUARKUS_KUBERNETES_CLIENT_REQUEST_TIMEOUT", "60s");
    return env;
  }

  /** The system namespace, and the pool the test claims from. */
  static void pool(KubernetesClient kube, SandboxSet set) {
    E2eFixtures.ensureSystemNamespace(kube);
    kube.resource(set).create();
  }

  /** The Sandboxes labelled with E2B ID {@code id} (one, unless something went wrong). */
  static List<Sandbox> withSandboxId(KubernetesClient kube, String ns, String id) {
    return kube.resources(Sandbox.class)
        .inNamespace(ns)
        .withLabel(MetadataKeys.LABEL_SANDBOX_ID, id)
        .list()
        .getItems();
  }

  /** An E2B API call as the admin to the manager on {@code port}. */
  static Reply call(int port, String method, String path, String body, Duration timeout)
      throws Exception {
    return E2bApi.call("http://127.0.0.1:" + port, method, path, ADMIN_KEY, body, timeout);
  }

  /** A sandbox-manager's environment: {@link #serviceEnv}, the admin key, one served namespace. */
  static Map<String, String> managerEnv(String kubeconfig, String namespace) {
    Map<String, String> env = serviceEnv(kubeconfig);
    env.put("E2B_ADMIN_API_KEY", ADMIN_KEY);
    env.put("E2B_DOMAIN", "localhost");
    env.put("KRUISE_SERVED_NAMESPACES", namespace);
    return env;
  }

  static List<Sandbox> sandboxes(KubernetesClient kube, String ns) {
    return kube.resources(Sandbox.class).inNamespace(ns).list().getItems();
  }

  /** Members of {@code set}: sandboxes whose controller owner it is, not being deleted. */
  static List<Sandbox> members(KubernetesClient kube, String ns, String set) {
    return sandboxes(kube, ns).stream()
        .filter(s -> s.getMetadata().getDeletionTimestamp() == null)
        .filter(
            s ->
                SandboxState.poolOwner(s)
                    .map(OwnerReference::getName)
                    .map(set::equals)
                    .orElse(false))
        .toList();
  }

  /**
   * The pool as a failed wait should report it: the SandboxSet's status, then each member's status
   * and its pod's phase, readiness and address (a member that never became available is found here,
   * not in a bare count).
   */
  static String describePool(KubernetesClient kube, String ns, String set) {
    StringBuilder out = new StringBuilder();
    try {
      SandboxSet s = kube.resources(SandboxSet.class).inNamespace(ns).withName(set).get();
      out.append("SandboxSet ")
          .append(set)
          .append(" status ")
          .append(s == null ? "(gone)" : Serialization.asJson(s.getStatus()));
      for (Sandbox m : members(kube, ns, set)) {
        String name = m.getMetadata().getName();
        Pod pod = kube.pods().inNamespace(ns).withName(name).get();
        out.append("\n  ")
            .append(name)
            .append(" status ")
            .append(Serialization.asJson(m.getStatus()))
            .append("\n    pod ")
            .append(pod == null ? "(none)" : Serialization.asJson(pod.getStatus()));
      }
    } catch (RuntimeException e) {
      out.append(" (could not read the pool: ").append(e.getMessage()).append(')');
    }
    return out.toString();
  }

  static List<Sandbox> claimed(KubernetesClient kube, String ns) {
    return kube
        .resources(Sandbox.class)
        .inNamespace(ns)
        .withLabel(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true")
        .list()
        .getItems()
        .stream()
        .filter(s -> s.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  static int available(KubernetesClient kube, String ns, String set) {
    SandboxSet s = kube.resources(SandboxSet.class).inNamespace(ns).withName(set).get();
    return s == null || s.getStatus() == null ? 0 : s.getStatus().getAvailableReplicas();
  }

  /**
   * No orphans and no doubles: every live pod of the namespace belongs to an existing Sandbox of
   * its name (the controller names the pod after it), and no Sandbox has more than that one pod.
   */
  static void assertOnePodPerSandboxAndNoOrphans(KubernetesClient kube, String ns) {
    Map<String, Sandbox> byName =
        sandboxes(kube, ns).stream()
            .collect(Collectors.toMap(s -> s.getMetadata().getName(), Function.identity()));
    List<Pod> pods =
        kube.pods().inNamespace(ns).list().getItems().stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .toList();
    for (Pod p : pods) {
      Sandbox owner = byName.get(p.getMetadata().getName());
      assertThat(owner).as("Sandbox of pod %s", p.getMetadata().getName()).isNotNull();
      assertThat(p.getMetadata().getOwnerReferences())
          .as("owner of pod %s", p.getMetadata().getName())
          .anyMatch(r -> owner.getMetadata().getUid().equals(r.getUid()));
    }
  }

  /** The controller-manager replica holding the Lease, or null. */
  static String leader(KubernetesClient kube) {
    Lease lease = kube.leases().inNamespace("sandbox-system").withName(CONTROLLER_LEASE).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  static void awaitLeader(KubernetesClient kube, String identity) {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> identity.equals(leader(kube)));
  }

  /** The outcome of a burst: the IDs clients hold and what was not created in the end. */
  record Burst(Set<String> ids, List<String> failures, int retried) {}

  /**
   * {@code creates} E2B creates of {@code template} from {@code threads} clients, alternating over
   * {@code ports}; each client retries a failed create (an error status or no answer) every half
   * second until {@code patience} has passed, as an SDK user's retry loop would.
   */
  static Burst burst(
      List<Integer> ports, String template, int creates, int threads, Duration patience)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    Set<String> retried = ConcurrentHashMap.newKeySet();
    List<Future<String>> futures = new ArrayList<>();
    for (int i = 0; i < creates; i++) {
      int n = i;
      futures.add(
          pool.submit(
              () -> {
                long deadline = System.nanoTime() + patience.toNanos();
                String last = "never tried";
                for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
                  int port = ports.get((n + attempt) % ports.size());
                  try {
                    Reply r =
                        E2bApi.call(
                            "http://127.0.0.1:" + port,
                            "POST",
                            "/v2/sandboxes",
                            ADMIN_KEY,
                            "{\"templateID\":\"" + template + "\",\"timeout\":600}",
                            Duration.ofSeconds(60));
                    if (r.status() == 201) {
                      return r.body().path("sandboxID").asText();
                    }
                    last = r.status() + " " + r.body();
                  } catch (Exception e) {
                    last = e.toString();
                  }
                  retried.add(n + "/" + attempt);
                  Thread.sleep(500);
                }
                throw new IllegalStateException("create " + n + " never succeeded: " + last);
              }));
    }
    Set<String> ids = new HashSet<>();
    List<String> failures = new ArrayList<>();
    for (Future<String> f : futures) {
      try {
        String id = f.get(patience.toSeconds() + 120, TimeUnit.SECONDS);
        assertThat(ids.add(id)).as("sandbox %s handed to two clients", id).isTrue();
      } catch (java.util.concurrent.ExecutionException e) {
        failures.add(e.getCause().getMessage());
      }
    }
    pool.shutdownNow();
    return new Burst(ids, failures, retried.size());
  }

  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  /** envd's health through the proxy on {@code port}, header-routed, with the sandbox's token. */
  static int healthThroughProxy(int port, String id, String token) throws Exception {
    return HTTP.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(java.time.Duration.ofSeconds(20))
                .header("E2b-Sandbox-Id", id)
                .header("E2b-Sandbox-Port", "49983")
                .header("X-Access-Token", token)
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }
}
