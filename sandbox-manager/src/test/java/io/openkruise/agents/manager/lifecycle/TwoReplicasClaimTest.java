package io.openkruise.agents.manager.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.CreateRequest;
import io.openkruise.agents.manager.e2b.Extensions;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.manager.support.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two manager "replicas" (own client, own informer cache, own claimer) claim 200 times at once from
 * one pool of 200: every create succeeds and no sandbox is handed out twice. The API server's
 * resourceVersion check is the only thing the two share.
 */
@EnableKubernetesMockClient(crud = true)
@io.openkruise.agents.testing.tier.MockTier
class TwoReplicasClaimTest {

  KubernetesMockServer server;
  KubernetesClient client;
  @RegisterExtension final HandBuiltReplica replicas = new HandBuiltReplica();

  private SandboxService replica(SimpleMeterRegistry registry) {
    return replicas.replica(
        replicas.closedAfter(server.createClient()), TestConfigs.lifecycle("20s", "10s"), registry);
  }

  /** A secure create from {@code template} for 300 s, with nothing else asked for. */
  private static CreateRequest createFrom(String template) {
    return new CreateRequest(
        template,
        Duration.ofSeconds(300),
        false,
        false,
        true,
        Map.of(),
        Map.of(),
        Extensions.NONE,
        true,
        Optional.empty());
  }

  @Test
  void twoReplicasNeverHandOutTheSameSandboxTwice() throws Exception {
    Fixtures.pool(client, "race", "tpl-race", 200, null, false);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SandboxService a = replica(registry);
    SandboxService b = replica(registry);
    CreateRequest req = createFrom("tpl-race");
    Caller caller = new Caller("owner-1", "owner", false);

    ExecutorService pool = Executors.newFixedThreadPool(32);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      SandboxService replica = i % 2 == 0 ? a : b;
      results.add(
          pool.submit(
              () -> {
                // The Sandbox's name, not its E2B ID: every claim writes a fresh ID, so only the
                // name tells whether one sandbox was handed out twice.
                Sandbox s = replica.create(caller, req);
                assertThat(SandboxView.id(s)).matches("[a-z0-9]{20}");
                return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
              }));
    }
    Set<String> ids = ConcurrentHashMap.newKeySet();
    for (Future<String> f : results) {
      assertThat(ids.add(f.get())).as("sandbox handed out twice").isTrue();
    }
    pool.shutdown();
    assertThat(ids).hasSize(200);
    double conflicts =
        registry.find("kruise.manager.claim.conflicts").counters().stream()
            .mapToDouble(c -> c.count())
            .sum();
    assertThat(registry.find("kruise.manager.claims").tag("outcome", "claimed").counter().count())
        .isEqualTo(200);
    System.out.println("409 conflicts while claiming 200 from two replicas: " + conflicts);
  }

  /**
   * Read-your-writes after create: the E2B SDK lists or gets a sandbox right after creating it, on
   * the same replica, so create answers only once this replica's cache shows the claim.
   */
  @Test
  void aCreatedSandboxIsInTheCreatorsCacheWhenCreateAnswers() {
    Fixtures.pool(client, "ryw", "tpl-ryw", 60, null, false);
    SandboxService replica = replica(new SimpleMeterRegistry());
    CreateRequest req = createFrom("tpl-ryw");
    Caller caller = new Caller("owner-ryw", "owner", false);
    for (int i = 0; i < 60; i++) {
      String id = SandboxView.id(replica.create(caller, req));
      assertThat(SandboxView.id(replica.get(caller, id))).as("create %d then get", i).isEqualTo(id);
    }
  }
}
