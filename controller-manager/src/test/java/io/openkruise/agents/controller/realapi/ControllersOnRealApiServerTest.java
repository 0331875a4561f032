package io.openkruise.agents.controller.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.ClaimRequest;
import io.openkruise.agents.api.claim.SandboxClaimer;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Conditions;
import io.openkruise.agents.api.v1alpha1.InplaceUpdateSpec;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxClaim;
import io.openkruise.agents.api.v1alpha1.SandboxPhase;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.api.v1alpha1.SandboxSpec;
import io.openkruise.agents.controller.support.RuntimeInitClient;
import io.openkruise.agents.envd.RuntimeAddress;
import io.openkruise.agents.localcluster.junit.LocalClusterTestResource;
import io.openkruise.agents.localcluster.junit.TestNamespace;
import io.openkruise.agents.testing.Pools;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;

/**
 * The three reconcilers against a real kube-apiserver with simulated nodes (local-cluster): the
 * issue's "done when" scenarios. Each test works on its own SandboxSet in the shared namespace.
 */
@QuarkusTest
@WithTestResource(LocalClusterTestResource.class)
@io.openkruise.agents.testing.tier.ClusterTier
class ControllersOnRealApiServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject KubernetesClient client;
  @Inject RuntimeInitClient runtimeInit;
  @Inject SandboxSecrets secrets;
  @TestNamespace String namespace;

  private static ConditionFactory within(int seconds) {
    return await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(100));
  }

  private Sandbox sandbox(String name) {
    return client.resources(Sandbox.class).inNamespace(namespace).withName(name).get();
  }

  private List<Sandbox> poolMembers(String set, boolean claimed) {
    return Pools.members(client, namespace, set, claimed);
  }

  private List<Sandbox> claimedBy(String claim) {
    return client
        .resources(Sandbox.class)
        .inNamespace(namespace)
        .withLabel(MetadataKeys.LABEL_CLAIM_NAME, claim)
        .list()
        .getItems();
  }

  private SandboxClaim claim(String name) {
    return client.resources(SandboxClaim.class).inNamespace(namespace).withName(name).get();
  }

  private static boolean runningAndReady(Sandbox s) {
    return s.getStatus() != null
        && SandboxPhase.RUNNING.equals(s.getStatus().getPhase())
        && Conditions.isTrue(s.getStatus().getConditions(), ConditionTypes.READY);
  }

  private void awaitAvailable(String set, int count) {
    within(60)
        .untilAsserted(
            () -> {
              SandboxSet stored =
                  client.resources(SandboxSet.class).inNamespace(namespace).withName(set).get();
              assertThat(stored.getStatus()).isNotNull();
              assertThat(stored.getStatus().getAvailableReplicas()).isEqualTo(count);
              assertThat(poolMembers(set, false)).hasSize(count).allMatch(s -> runningAndReady(s));
            });
  }

  private Sandbox awaitRunning(String name) {
    within(30).until(() -> sandbox(name) != null && runningAndReady(sandbox(name)));
    return sandbox(name);
  }

  private void editSpec(String name, Consumer<SandboxSpec> change) {
    client
        .resources(Sandbox.class)
        .inNamespace(namespace)
        .withName(name)
        .edit(
            x -> {
              change.accept(x.getSpec());
              return x;
            });
  }

  private Pod pod(String name) {
    return client.pods().inNamespace(namespace).withName(name).get();
  }

  private void awaitCompleted(String claim) {
    within(60)
        .until(
            () ->
                claim(claim) != null
                    && claim(claim).getStatus() != null
                    && "Completed".equals(claim(claim).getStatus().getPhase()));
  }

  @Test
  void poolOfFiveIsReadyAndAClaimOfThreeIsRefilled() {
    client.resource(Pools.set(namespace, "five", 5, Pools.template("img:1"))).create();
    awaitAvailable("five", 5);
    SandboxSet set =
        client.resources(SandboxSet.class).inNamespace(namespace).withName("five").get();
    assertThat(set.getStatus().getReplicas()).isEqualTo(5);
    assertThat(set.getStatus().getObservedGeneration())
        .isEqualTo(set.getMetadata().getGeneration());
    assertThat(poolMembers("five", false))
        .allSatisfy(
            s -> {
              assertThat(s.getMetadata().getName()).startsWith("five-");
              assertThat(s.getMetadata().getLabels())
                  .containsEntry(MetadataKeys.LABEL_SANDBOX_TEMPLATE, "five")
                  .containsEntry(
                      MetadataKeys.LABEL_TEMPLATE_HASH, set.getStatus().getUpdateRevision());
              assertThat(s.getStatus().getSandboxIp()).startsWith("127.");
            });

    SandboxClaim claim = Fixtures.claim(namespace, "three", "five", 3);
    claim.getSpec().setLabels(Map.of("team", "agents"));
    claim.getSpec().setAnnotations(Map.of("example.com/purpose", "eval"));
    SandboxClaim created = client.resource(claim).create();
    awaitCompleted("three");

    SandboxClaim done = claim("three");
    assertThat(done.getStatus().getClaimedReplicas()).isEqualTo(3);
    assertThat(done.getStatus().getConditions())
        .anySatisfy(c -> assertThat(c.getReason()).isEqualTo("AllReplicasClaimed"));
    assertThat(claimedBy("three"))
        .hasSize(3)
        .allSatisfy(
            s -> {
              assertThat(s.getMetadata().getLabels())
                  .containsEntry(MetadataKeys.LABEL_SANDBOX_CLAIMED, "true")
                  .containsEntry("team", "agents");
              assertThat(s.getMetadata().getAnnotations())
                  .containsEntry(MetadataKeys.ANNOTATION_OWNER, created.getMetadata().getUid())
                  .containsEntry("example.com/purpose", "eval");
              assertThat(s.getMetadata().getOwnerReferences()).isEmpty();
            });
    awaitAvailable("five", 5);
  }

  @Test
  void printerColumnsReadAsInTheSeeds() throws Exception {
    client.resource(Fixtures.sandbox(namespace, "columns", "img:1")).create();
    client.resource(Fixtures.claim(namespace, "columns", "columns-missing", 1)).create();
    assertThat(tableColumns("sandboxes"))
        .containsExactly("Name", "Status", "Age", "shutdown_time", "pause_time", "Message");
    // The E2B ID only with -o wide (SANDBOX_ID).
    assertThat(wideOnlyColumns("sandboxes")).containsExactly("Sandbox_ID");
    assertThat(tableColumns("sandboxclaims"))
        .containsExactly("Name", "Phase", "Template", "Desired", "Claimed", "Age");
    assertThat(tableColumns("sandboxsets"))
        .containsExactly("Name", "Replicas", "Available", "UpdateRevision", "Age");
    within(30)
        .untilAsserted(
            () -> assertThat(tableRow("sandboxes", "columns")).startsWith("columns|Running|"));
  }

  /** What {@code kubectl get} asks the API server for: the Table rendering. */
  private JsonNode table(String plural) throws Exception {
    HttpRequest request =
        client
            .getHttpClient()
            .newHttpRequestBuilder()
            .uri(
                URI.create(
                    client.getMasterUrl()
                        + "apis/agents.kruise.io/v1alpha1/namespaces/"
                        + namespace
                        + "/"
                        + plural))
            .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
            .build();
    HttpResponse<String> response =
        client.getHttpClient().sendAsync(request, String.class).get(10, TimeUnit.SECONDS);
    assertThat(response.code()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** The columns plain {@code kubectl get} shows (priority 0; {@code -o wide} adds the rest). */
  private List<String> tableColumns(String plural) throws Exception {
    return columns(plural, priority -> priority == 0);
  }

  private List<String> wideOnlyColumns(String plural) throws Exception {
    return columns(plural, priority -> priority > 0);
  }

  private List<String> columns(String plural, IntPredicate priority) throws Exception {
    List<String> names = new ArrayList<>();
    table(plural)
        .path("columnDefinitions")
        .forEach(
            c -> {
              if (priority.test(c.path("priority").asInt(0))) {
                names.add(c.path("name").asText());
              }
            });
    return names;
  }

  private String tableRow(String plural, String name) throws Exception {
    for (JsonNode row : table(plural).path("rows")) {
      List<String> cells = new ArrayList<>();
      row.path("cells").forEach(c -> cells.add(c.asText()));
      if (name.equals(cells.get(0))) {
        return String.join("|", cells);
      }
    }
    return "";
  }

  @Test
  void shutdownTimeDeletesTheSandboxAndItsPod() {
    Sandbox s = Fixtures.sandbox(namespace, "expiring", "img:1");
    s.getSpec()
        .setShutdownTime(Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS).toString());
    client.resource(s).create();
    awaitRunning("expiring");
    within(30).until(() -> sandbox("expiring") == null && pod("expiring") == null);
  }

  @Test
  void pauseTimePausesAndResumeRecreatesThePod() {
    client.resource(Fixtures.sandbox(namespace, "sleepy", "img:1")).create();
    Sandbox running = awaitRunning("sleepy");
    String firstPod = pod("sleepy").getMetadata().getUid();
    assertThat(running.getStatus().getPodInfo().getPodUID()).isEqualTo(firstPod);

    String pauseAt = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS).toString();
    editSpec("sleepy", spec -> spec.setPauseTime(pauseAt));
    within(30)
        .untilAsserted(
            () -> {
              Sandbox paused = sandbox("sleepy");
              assertThat(paused.getSpec().isPaused()).isTrue();
              assertThat(paused.getStatus().getPhase()).isEqualTo(SandboxPhase.PAUSED);
              assertThat(
                      Conditions.isTrue(
                          paused.getStatus().getConditions(), ConditionTypes.SANDBOX_PAUSED))
                  .isTrue();
              assertThat(pod("sleepy")).isNull();
            });

    editSpec(
        "sleepy",
        spec -> {
          spec.setPaused(false);
          spec.setPauseTime(null);
        });
    Sandbox resumed = awaitRunning("sleepy");
    assertThat(
            Conditions.isTrue(resumed.getStatus().getConditions(), ConditionTypes.SANDBOX_RESUMED))
        .isTrue();
    assertThat(pod("sleepy").getMetadata().getUid()).isNotEqualTo(firstPod);
  }

  @Test
  void inPlaceImageUpdateKeepsThePod() {
    client.resource(Fixtures.sandbox(namespace, "upgrade", "img:1")).create();
    awaitRunning("upgrade");
    String podUid = pod("upgrade").getMetadata().getUid();

    editSpec(
        "upgrade", spec -> spec.getTemplate().getSpec().getContainers().get(0).setImage("img:2"));
    // The condition already reads True/Succeeded from the pod's first start, so the wait must
    // also see the new image running; otherwise it can pass before the controller reacts.
    within(30)
        .untilAsserted(
            () -> {
              Pod pod = pod("upgrade");
              assertThat(pod.getStatus().getContainerStatuses().get(0).getImage())
                  .isEqualTo("img:2");
              Sandbox s = sandbox("upgrade");
              assertThat(s.getStatus().condition(ConditionTypes.INPLACE_UPDATE))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("True");
                        assertThat(c.getReason()).isEqualTo("Succeeded");
                      });
              assertThat(runningAndReady(s)).isTrue();
            });
    Pod pod = pod("upgrade");
    assertThat(pod.getMetadata().getUid()).isEqualTo(podUid);
    assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("img:2");
  }

  @Test
  void claimForAMissingSetReportsTheCondition() {
    client.resource(Fixtures.claim(namespace, "orphan", "no-such-set", 1)).create();
    awaitCompleted("orphan");
    assertThat(claim("orphan").getStatus().getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Completed");
              assertThat(c.getReason()).isEqualTo("SandboxSetNotFound");
            });
    within(10).until(() -> !events("SandboxClaim", "orphan", "SandboxSetNotFound").isEmpty());
  }

  @Test
  void eightConcurrentClaimersOverAPoolOfTwentyNeverShareASandbox() throws Exception {
    client.resource(Pools.set(namespace, "twenty", 20, Pools.template("img:1"))).create();
    awaitAvailable("twenty", 20);
    Set<String> initial = ConcurrentHashMap.newKeySet();
    poolMembers("twenty", false).forEach(s -> initial.add(s.getMetadata().getName()));

    Map<String, String> winners = new ConcurrentHashMap<>();
    AtomicInteger duplicates = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      String owner = "claimer-" + t;
      SandboxClaimer claimer = new SandboxClaimer(client, Clock.systemUTC(), new Random(t));
      futures.add(
          threads.submit(
              () -> {
                Instant deadline = Instant.now().plusSeconds(30);
                while (Instant.now().isBefore(deadline)) {
                  List<Sandbox> pool =
                      poolMembers("twenty", false).stream()
                          .filter(s -> initial.contains(s.getMetadata().getName()))
                          .toList();
                  if (pool.isEmpty()) {
                    return;
                  }
                  if (claimer.claimOne(pool, ClaimRequest.forOwner(owner))
                      instanceof SandboxClaimer.Result.Claimed c) {
                    if (winners.putIfAbsent(c.sandbox().getMetadata().getName(), owner) != null) {
                      duplicates.incrementAndGet();
                    }
                  }
                }
              }));
    }
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    threads.shutdownNow();

    assertThat(duplicates).hasValue(0);
    assertThat(winners.keySet()).isEqualTo(initial);
    for (Map.Entry<String, String> win : winners.entrySet()) {
      assertThat(sandbox(win.getKey()).getMetadata().getAnnotations())
          .containsEntry(MetadataKeys.ANNOTATION_OWNER, win.getValue());
    }
  }

  @Test
  void claimTimeoutCompletesWithTimeoutReached() {
    client.resource(Pools.set(namespace, "empty-a", 0, Pools.template("img:1"))).create();
    SandboxClaim claim = Fixtures.claim(namespace, "patient", "empty-a", 2);
    claim.getSpec().setClaimTimeout("2s");
    client.resource(claim).create();
    awaitCompleted("patient");
    SandboxClaim done = claim("patient");
    assertThat(done.getStatus().getClaimedReplicas()).isZero();
    assertThat(done.getStatus().getConditions())
        .anySatisfy(c -> assertThat(c.getReason()).isEqualTo("TimeoutReached"))
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("TimedOut");
              assertThat(c.getReason()).isEqualTo("ClaimTimeoutReached");
            });
  }

  @Test
  void ttlAfterCompletedDeletesTheClaimButNotItsSandboxes() {
    client.resource(Pools.set(namespace, "ttl", 1, Pools.template("img:1"))).create();
    awaitAvailable("ttl", 1);
    SandboxClaim claim = Fixtures.claim(namespace, "short-lived", "ttl", 1);
    claim.getSpec().setTtlAfterCompleted("2s");
    client.resource(claim).create();
    awaitCompleted("short-lived");
    List<Sandbox> claimed = claimedBy("short-lived");
    assertThat(claimed).hasSize(1);

    within(30).until(() -> claim("short-lived") == null);
    within(5)
        .during(Duration.ofSeconds(2))
        .until(() -> sandbox(claimed.get(0).getMetadata().getName()) != null);
  }

  @Test
  void createOnNoStockCreatesAClaimedSandboxFromTheTemplate() {
    client.resource(Pools.set(namespace, "empty-b", 0, Pools.template("img:1"))).create();
    SandboxClaim claim = Fixtures.claim(namespace, "eager", "empty-b", 1);
    claim.getSpec().setCreateOnNoStock(true);
    client.resource(claim).create();
    awaitCompleted("eager");
    assertThat(claim("eager").getStatus().getClaimedReplicas()).isEqualTo(1);
    assertThat(claimedBy("eager"))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(runningAndReady(s)).isTrue();
              assertThat(s.getMetadata().getOwnerReferences()).isEmpty();
              assertThat(s.getMetadata().getName()).startsWith("empty-b-");
            });
    assertThat(poolMembers("empty-b", false)).isEmpty();
  }

  /**
   * An empty pool {@code name} whose sandboxes never become Ready, and a claim {@code name} on it
   * that creates one (2 s to become Ready, {@code claimTimeout} in all); not created yet.
   */
  private SandboxClaim claimOnANeverReadyPool(String name, String claimTimeout) {
    client.resource(Pools.set(namespace, name, 0, Fixtures.neverReadyTemplate())).create();
    SandboxClaim claim = Fixtures.claim(namespace, name, name, 1);
    claim.getSpec().setCreateOnNoStock(true);
    claim.getSpec().setWaitReadyTimeout("2s");
    claim.getSpec().setClaimTimeout(claimTimeout);
    return claim;
  }

  @Test
  void sandboxNotReadyWithinWaitReadyTimeoutIsReservedWhenAsked() {
    SandboxClaim claim = claimOnANeverReadyPool("stuck", "5s");
    claim.getSpec().setReserveFailedSandbox(true);
    client.resource(claim).create();
    awaitCompleted("stuck");

    SandboxClaim done = claim("stuck");
    assertThat(done.getStatus().getClaimedReplicas()).isZero();
    assertThat(done.getStatus().getConditions())
        .anySatisfy(c -> assertThat(c.getReason()).isEqualTo("TimeoutReached"));
    List<Sandbox> reserved =
        claimedBy("stuck").stream()
            .filter(
                s ->
                    s.getMetadata()
                        .getAnnotations()
                        .containsKey(MetadataKeys.ANNOTATION_CLAIM_FAILED))
            .toList();
    assertThat(reserved).as("failed sandboxes are kept and marked").isNotEmpty();
    assertThat(reserved).allMatch(s -> s.getMetadata().getDeletionTimestamp() == null);
    String first = reserved.get(0).getMetadata().getName();
    within(10).until(() -> !events("Sandbox", first, "ClaimStepFailed").isEmpty());
  }

  @Test
  void failedSandboxIsDeletedWithoutReserve() {
    SandboxClaim claim = claimOnANeverReadyPool("stuck2", "4s");
    client.resource(claim).create();
    awaitCompleted("stuck2");
    within(30)
        .until(
            () ->
                claimedBy("stuck2").stream()
                    .allMatch(s -> s.getMetadata().getDeletionTimestamp() != null));
  }

  @Test
  void inplaceUpdateImageOnClaimChangesTheImageAndKeepsThePod() {
    client.resource(Pools.set(namespace, "upgradable", 1, Pools.template("img:1"))).create();
    awaitAvailable("upgradable", 1);
    String member = poolMembers("upgradable", false).get(0).getMetadata().getName();
    String podUid = pod(member).getMetadata().getUid();

    SandboxClaim claim = Fixtures.claim(namespace, "newer", "upgradable", 1);
    claim.getSpec().setInplaceUpdate(new InplaceUpdateSpec());
    claim.getSpec().getInplaceUpdate().setImage("img:2");
    claim.getSpec().setWaitReadyTimeout("20s");
    client.resource(claim).create();
    awaitCompleted("newer");

    assertThat(claim("newer").getStatus().getClaimedReplicas()).isEqualTo(1);
    Sandbox claimed = claimedBy("newer").get(0);
    assertThat(claimed.getMetadata().getName()).isEqualTo(member);
    assertThat(claimed.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("img:2");
    Pod pod = pod(member);
    assertThat(pod.getMetadata().getUid()).isEqualTo(podUid);
    assertThat(pod.getStatus().getContainerStatuses().get(0).getImage()).isEqualTo("img:2");
  }

  @Test
  void envVarsReachTheRuntimeInit() throws Exception {
    client.resource(Pools.initSet(namespace, "with-init", 1)).create();
    awaitAvailable("with-init", 1);
    SandboxClaim claim = Fixtures.claim(namespace, "configured", "with-init", 1);
    claim.getSpec().setEnvVars(Map.of("GREETING", "hello-from-claim"));
    client.resource(claim).create();
    awaitCompleted("configured");
    Sandbox claimed = claimedBy("configured").get(0);
    assertThat(claimed.getMetadata().getAnnotations())
        .containsEntry(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "true");

    var http = java.net.http.HttpClient.newHttpClient();
    var request =
        java.net.http.HttpRequest.newBuilder(
                URI.create(
                    RuntimeAddress.envd(claimed.getStatus().getSandboxIp()).orElseThrow()
                        + "/process.Process/Start"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/connect+json")
            .header("Connect-Protocol-Version", "1")
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                    Fixtures.envelope(
                        "{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-l\",\"-c\",\"echo $GREETING\"]}}")))
            .build();
    var response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(Fixtures.stdout(response.body())).isEqualTo("hello-from-claim\n");
  }

  @Test
  void eventsAreRecordedOnSandboxesAndClaims() {
    client.resource(Pools.set(namespace, "evented", 1, Pools.template("img:1"))).create();
    awaitAvailable("evented", 1);
    client.resource(Fixtures.claim(namespace, "evented", "evented", 1)).create();
    awaitCompleted("evented");
    String name = claimedBy("evented").get(0).getMetadata().getName();
    within(10)
        .untilAsserted(
            () -> {
              assertThat(events("Sandbox", name, "PodCreated")).isNotEmpty();
              assertThat(events("Sandbox", name, "Running")).isNotEmpty();
              assertThat(events("Sandbox", name, "Claimed")).isNotEmpty();
              assertThat(events("SandboxClaim", "evented", "SandboxClaimed")).isNotEmpty();
              assertThat(events("SandboxClaim", "evented", "ClaimCompleted")).isNotEmpty();
              assertThat(events("SandboxSet", "evented", "SandboxCreated")).isNotEmpty();
            });
  }

  /**
   * Two E2B claims whose sandbox-manager died mid-create (claim patch with the mark "false", then
   * nothing): one after {@code /init} (it answered its client, then stopped before its mark), one
   * before. Past the bound the controller asks each runtime: the first is marked, the second
   * deleted.
   */
  @Test
  void unfinishedClaimsAreMarkedOrDeletedAsTheirRuntimeSays() {
    client.resource(Pools.initSet(namespace, "half-done", 2)).create();
    awaitAvailable("half-done", 2);
    List<Sandbox> members = poolMembers("half-done", false);
    SandboxClaimer claimer = new SandboxClaimer(client, Clock.systemUTC(), new Random(7));
    ClaimRequest e2bCreate =
        ClaimRequest.forOwner("e2b-owner")
            .withAnnotations(
                Map.of(
                    MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "false",
                    MetadataKeys.ANNOTATION_SECURE, "true"))
            // As every E2B create: its deadline is spec, so the claim reaches the reconciler.
            .withShutdownTime(Instant.now().plus(1, ChronoUnit.HOURS).toString());
    Sandbox answered = claimer.tryClaim(members.get(0), e2bCreate).orElseThrow();
    Sandbox abandoned = claimer.tryClaim(members.get(1), e2bCreate).orElseThrow();
    assertThat(
            runtimeInit.init(
                answered, Map.of(), secrets.accessToken(answered.getMetadata().getUid())))
        .isEmpty();
    String answeredName = answered.getMetadata().getName();
    String abandonedName = abandoned.getMetadata().getName();

    within(30)
        .untilAsserted(
            () -> {
              assertThat(sandbox(answeredName).getMetadata().getAnnotations())
                  .containsEntry(MetadataKeys.ANNOTATION_RUNTIME_INITIALIZED, "true");
              assertThat(events("Sandbox", answeredName, "ClaimCompletedByController"))
                  .isNotEmpty();
              Sandbox gone = sandbox(abandonedName);
              assertThat(gone == null || gone.getMetadata().getDeletionTimestamp() != null)
                  .isTrue();
              assertThat(events("Sandbox", abandonedName, "ClaimNeverCompleted")).isNotEmpty();
            });
    assertThat(sandbox(answeredName).getMetadata().getDeletionTimestamp()).isNull();
  }

  private List<Event> events(String kind, String name, String reason) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> kind.equals(e.getInvolvedObject().getKind()))
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }
}
