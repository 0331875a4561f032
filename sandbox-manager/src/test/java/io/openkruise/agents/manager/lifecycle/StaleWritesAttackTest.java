package io.openkruise.agents.manager.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.SandboxView;
import io.openkruise.agents.manager.e2b.Timeouts;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.manager.support.TestConfigs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deadline and state writes planned on a stale copy of a sandbox (issue 14, "writes guarded"). A
 * replica's informer cache lags the API server; here it is frozen outright (informers closed after
 * the first sync) while "another replica" writes directly. Every write must carry the version it
 * was planned on and, on 409, decide again from the live sandbox.
 */
@EnableKubernetesMockClient(crud = true)
@io.openkruise.agents.testing.tier.MockTier
class StaleWritesAttackTest {

  KubernetesMockServer server;
  KubernetesClient client;
  final List<AutoCloseable> closeables = new ArrayList<>();
  final Caller owner = new Caller("owner-stale", "owner", false);

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  /** A replica whose cache saw the sandbox once and then nothing more. */
  private SandboxService frozenReplica(String ns, String name) {
    SandboxCache cache = HandBuiltReplica.startedCache(client, new SimpleMeterRegistry());
    closeables.add(cache);
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.cached(ns, name).isPresent());
    cache.close();
    return HandBuiltReplica.service(
        client, cache, TestConfigs.lifecycle("2s", "2s"), new SimpleMeterRegistry());
  }

  private Sandbox running(String ns, String name, Instant shutdown, List<String> finalizers) {
    Sandbox s = Fixtures.claimed(ns, name, "tpl-stale", owner.id(), "127.0.0.1");
    s.getSpec().setShutdownTime(Timeouts.format(shutdown));
    s.getMetadata().setFinalizers(new ArrayList<>(finalizers));
    return client.resource(s).create();
  }

  private Sandbox live(String ns, String name) {
    return client.resources(Sandbox.class).inNamespace(ns).withName(name).get();
  }

  @Test
  void connectOnAStaleCopyNeverShortensAnotherReplicasExtension() {
    Sandbox s = running("stale-a", "sbx-a", Instant.now().plusSeconds(30), List.of());
    SandboxService replicaA = frozenReplica("stale-a", "sbx-a");
    Instant extendedByB = Instant.now().plus(Duration.ofHours(2));
    client
        .resources(Sandbox.class)
        .inNamespace("stale-a")
        .withName("sbx-a")
        .edit(
            x -> {
              x.getSpec().setShutdownTime(Timeouts.format(extendedByB));
              return x;
            });

    // A sees 30 s left and "extends" to 60 s: planned on a stale copy, that would shorten B's 2 h.
    replicaA.connect(owner, SandboxView.id(s), Duration.ofSeconds(60));

    assertThat(Instant.parse(live("stale-a", "sbx-a").getSpec().getShutdownTime()))
        .isAfterOrEqualTo(extendedByB.minusSeconds(1));
  }

  @Test
  void aConcurrentKillWinsOverAStaleTimeoutWrite() {
    Sandbox s =
        running(
            "stale-b", "sbx-b", Instant.now().plusSeconds(300), List.of("test.io/keep-for-test"));
    SandboxService replicaA = frozenReplica("stale-b", "sbx-b");
    // Replica B kills it: with a finalizer it stays, marked for deletion.
    client.resources(Sandbox.class).inNamespace("stale-b").withName("sbx-b").delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> live("stale-b", "sbx-b").getMetadata().getDeletionTimestamp() != null);
    String before = live("stale-b", "sbx-b").getSpec().getShutdownTime();

    assertThatThrownBy(() -> replicaA.setTimeout(owner, SandboxView.id(s), Duration.ofHours(20)))
        .isInstanceOfSatisfying(E2bException.class, e -> assertThat(e.status()).isEqualTo(404));
    assertThat(live("stale-b", "sbx-b").getSpec().getShutdownTime()).isEqualTo(before);
  }

  @Test
  void aStalePauseOfASandboxPausedMeanwhileIsRefused() {
    Sandbox s = running("stale-c", "sbx-c", Instant.now().plusSeconds(300), List.of());
    SandboxService replicaA = frozenReplica("stale-c", "sbx-c");
    Instant retention = Instant.now().plus(Duration.ofDays(7));
    client
        .resources(Sandbox.class)
        .inNamespace("stale-c")
        .withName("sbx-c")
        .edit(
            x -> {
              x.getSpec().setPaused(true);
              x.getSpec().setShutdownTime(Timeouts.format(retention));
              return x;
            });

    assertThatThrownBy(() -> replicaA.pause(owner, SandboxView.id(s)))
        .isInstanceOfSatisfying(E2bException.class, e -> assertThat(e.status()).isEqualTo(409));
    assertThat(live("stale-c", "sbx-c").getSpec().getShutdownTime())
        .isEqualTo(Timeouts.format(retention));
  }
}
