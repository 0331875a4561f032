package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.junit.TestNamespace;
import io.openkruise.agents.localcluster.junit.WithLocalCluster;
import io.openkruise.agents.testing.E2bApi.Reply;
import io.openkruise.agents.testing.Pools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Back-pressure under a lagging watch (issue 19, item 5), on the wire: one sandbox-manager reaches
 * the API server through a {@link WatchLagRelay} that holds back its watch traffic. A burst of
 * creates runs first without lag, then with a lag longer than the read-your-writes settle timeout
 * (5 s), so every settle wait that runs times out while the burst piles up. Meanwhile one client
 * keeps looking up a sandbox the replica already knows (E2B {@code GET /sandboxes/{id}} and envd's
 * health through the proxy). Shown, as counts: the settle waits running at once never exceed the
 * budget, creates past the budget answer without waiting (counted {@code over_budget}), every
 * create is answered 201, and every lookup made while waits were running answered. The lookups'
 * latencies with and without the lag are printed (and written to target/e2e-logs/watch-lag), never
 * asserted: docs/reliability.md, "Back-pressure", records a run.
 */
@WithLocalCluster
@io.openkruise.agents.testing.tier.E2eTier
class WatchLagOnLocalClusterTest {

  private static final String POOL = "lagging";
  private static final int BURST = 10;
  private static final int BUDGET = 2;
  private static final Duration LAG = Duration.ofSeconds(8);

  /** The services, then the relay, stop after the class. */
  @RegisterExtension static final ServiceProcesses services = new ServiceProcesses("watch-lag");

  private static final Path LOGS = services.logs();

  private static WatchLagRelay relay;
  private static int manager;
  private static KubernetesClient kube;
  private static String ns;

  @BeforeAll
  static void startServices(
      LocalCluster cluster, KubernetesClient client, @TestNamespace String namespace)
      throws Exception {
    kube = client;
    ns = namespace;
    FaultBed.pool(client, Pools.initSet(ns, POOL, BURST + 2));
    services.start("controller-manager", FaultBed.serviceEnv(cluster.kubeconfig().toString()));
    relay = services.closeAfterServices(WatchLagRelay.start(client.getConfiguration()));
    Map<String, String> env =
        FaultBed.managerEnv(relay.kubeconfig(LOGS.toAbsolutePath()).toString(), ns);
    // -De2e.cache-settle-budget=1000 takes the budget away (the fault this test is about): the
    // test then fails, with more waits running at once than BUDGET and none over budget.
    env.put(
        "KRUISE_E2B_CACHE_SETTLE_BUDGET",
        System.getProperty("e2e.cache-settle-budget", "" + BUDGET));
    manager = services.start("sandbox-manager", env);
    E2eFixtures.awaitAvailable(kube, ns, POOL, BURST + 2);
  }

  private static Reply call(String method, String path, String body) throws Exception {
    return FaultBed.call(manager, method, path, body, Duration.ofSeconds(120));
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** A sample of the sandbox-manager's Prometheus metric (0 when it has no such series yet). */
  private static double metric(String name, String label) throws Exception {
    String text =
        HTTP.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + services.managementPort(manager) + "/q/metrics"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    double sum = 0;
    for (String line : text.split("\n")) {
      if ((line.startsWith(name + "{") || line.startsWith(name + " "))
          && (label == null || line.contains(label))) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static double settles(String outcome) throws Exception {
    return metric("kruise_manager_cache_settles_total", "outcome=\"" + outcome + "\"");
  }

  /** What one burst showed: create answers, settle outcomes, lookups and what they met. */
  record Phase(
      String name,
      List<Integer> createStatuses,
      List<Long> createMillis,
      double seen,
      double timedOut,
      double overBudget,
      int mostRunning,
      List<Integer> lookupStatuses,
      List<Long> getMillis,
      List<Long> proxyMillis,
      int lookupsWhileWaiting) {

    String summary() {
      return String.format(
          "%s: creates %d (201: %d; ms %s); settle waits seen=%.0f timed_out=%.0f over_budget=%.0f,"
              + " most running at once %d (budget %d); lookups %d (answered: %d, made while"
              + " waits ran: %d); GET /sandboxes/{id} ms %s; proxy envd /health ms %s",
          name,
          createStatuses.size(),
          createStatuses.stream().filter(s -> s == 201).count(),
          percentiles(createMillis),
          seen,
          timedOut,
          overBudget,
          mostRunning,
          BUDGET,
          lookupStatuses.size(),
          lookupStatuses.stream().filter(s -> s >= 200 && s < 300).count(),
          lookupsWhileWaiting,
          percentiles(getMillis),
          percentiles(proxyMillis));
    }
  }

  static String percentiles(List<Long> millis) {
    if (millis.isEmpty()) {
      return "none";
    }
    List<Long> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    return String.format(
        "p50 %d p95 %d max %d (n=%d)",
        sorted.get(sorted.size() / 2),
        sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.95) - 1)),
        sorted.get(sorted.size() - 1),
        sorted.size());
  }

  /**
   * With the pool full and this replica's cache caught up, the watch lag set to {@code lag}, then
   * BURST creates at once; while they run, one client loops: the settle waits running now (the
   * gauge), then E2B get and envd health through the proxy of {@code id}. Afterwards the lag is
   * lifted and the created sandboxes killed.
   */
  private static Phase burst(String name, Duration lag, String id, String token) throws Exception {
    E2eFixtures.awaitAvailable(kube, ns, POOL, BURST + 2);
    Thread.sleep(2000); // the replica's (unlagged) watch follows the refill within this
    relay.lag(lag);
    double seen = settles("seen");
    double timedOut = settles("timed_out");
    double overBudget = settles("over_budget");
    ExecutorService pool = Executors.newFixedThreadPool(BURST);
    List<Future<Reply>> creates = new ArrayList<>();
    List<Long> createMillis = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < BURST; i++) {
      creates.add(
          pool.submit(
              () -> {
                long t0 = System.nanoTime();
                Reply r = call("POST", "/v2/sandboxes", "{\"templateID\":\"" + POOL + "\"}");
                createMillis.add((System.nanoTime() - t0) / 1_000_000);
                return r;
              }));
    }
    CompletableFuture<Void> done =
        CompletableFuture.runAsync(
            () -> {
              for (Future<Reply> f : creates) {
                try {
                  f.get(5, TimeUnit.MINUTES);
                } catch (Exception e) {
                  // counted below
                }
              }
            });
    List<Integer> lookups = new ArrayList<>();
    List<Long> getMillis = new ArrayList<>();
    List<Long> proxyMillis = new ArrayList<>();
    int mostRunning = 0;
    int whileWaiting = 0;
    while (!done.isDone()) {
      int running = (int) metric("kruise_manager_cache_settles_running", null);
      mostRunning = Math.max(mostRunning, running);
      long t0 = System.nanoTime();
      int get = call("GET", "/sandboxes/" + id, null).status();
      long t1 = System.nanoTime();
      int health = FaultBed.healthThroughProxy(manager, id, token);
      long t2 = System.nanoTime();
      lookups.add(get);
      lookups.add(health);
      getMillis.add((t1 - t0) / 1_000_000);
      proxyMillis.add((t2 - t1) / 1_000_000);
      if (running > 0) {
        whileWaiting++;
      }
    }
    List<Integer> statuses = new ArrayList<>();
    List<String> created = new ArrayList<>();
    for (Future<Reply> f : creates) {
      Reply r = f.get();
      statuses.add(r.status());
      if (r.status() == 201) {
        created.add(r.body().path("sandboxID").asText());
      }
    }
    pool.shutdown();
    relay.lag(Duration.ZERO);
    Phase phase =
        new Phase(
            name,
            statuses,
            createMillis,
            settles("seen") - seen,
            settles("timed_out") - timedOut,
            settles("over_budget") - overBudget,
            mostRunning,
            lookups,
            getMillis,
            proxyMillis,
            whileWaiting);
    for (String c : created) {
      call("DELETE", "/sandboxes/" + c, null);
    }
    return phase;
  }

  @Test
  void underALaggingWatchSettleWaitsStayWithinTheBudgetAndLookupsKeepAnswering() throws Exception {
    // The sandbox looked up throughout: claimed before any lag, so this replica's caches hold it.
    Reply created = call("POST", "/v2/sandboxes", "{\"templateID\":\"" + POOL + "\"}");
    assertThat(created.status()).isEqualTo(201);
    String id = created.body().path("sandboxID").asText();
    String token = created.body().path("envdAccessToken").asText();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> assertThat(call("GET", "/sandboxes/" + id, null).status()).isEqualTo(200));

    Phase calm = burst("no lag", Duration.ZERO, id, token);
    Phase lagged = burst("watch lag " + LAG.toSeconds() + " s", LAG, id, token);

    String report = calm.summary() + "\n" + lagged.summary() + "\n";
    report.lines().forEach(line -> System.out.println("[watch-lag] " + line));
    Files.createDirectories(LOGS);
    Files.writeString(LOGS.resolve("measurement.txt"), report);

    assertThat(relay.watchConnections()).as("the replica watches through the relay").isPositive();
    for (Phase p : List.of(calm, lagged)) {
      assertThat(p.createStatuses()).as(p.name()).allMatch(s -> s == 201);
      assertThat(p.mostRunning()).as(p.name()).isLessThanOrEqualTo(BUDGET);
      assertThat(p.lookupStatuses()).as(p.name()).allMatch(s -> s >= 200 && s < 300);
    }
    // The lag was real (waits ran into the settle timeout), the budget filled, and the creates
    // past it answered without waiting; lookups were answered while the waits held their threads.
    assertThat(lagged.timedOut()).as("settle waits timed out under the lag").isPositive();
    assertThat(lagged.overBudget()).as("creates past the budget did not wait").isPositive();
    assertThat(lagged.lookupsWhileWaiting()).as("lookups while waits ran").isPositive();
  }
}
