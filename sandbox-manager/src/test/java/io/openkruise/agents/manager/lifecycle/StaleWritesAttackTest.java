package io.openkruise.agents.manager.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSpec;
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
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Deadline and state writes planned on a stale copy of a sandbox (issue 14, "writes guarded"). A
 * replica's informer cache lags the API server; here it is frozen outright (informers closed after
 * the first sync) while "another replica" writes directly. Every write must carry the version it
 * was planned on and, on 409, decide again from the live sandbox.
 */
@EnableKubernetesMockClient(crud = true)
@io.openkruise.agents.testing.tier.MockTier
class StaleWritesAttackTest {

  KubernetesClient client;
  @RegisterExtension final HandBuiltReplica replicas = new HandBuiltReplica();
  final Caller owner = new Caller("owner-stale", "owner", false);

  /** A replica whose cache saw {@code s} once and then nothing more. */
  private SandboxService frozenReplica(Sandbox s) {
    return replicas.closedAfter(
        HandBuiltReplica.service(
            client,
            replicas.frozenCacheHolding(
                client, s.getMetadata().getNamespace(), s.getMetadata().getName()),
            TestConfigs.lifecycle("2s", "2s"),
            new SimpleMeterRegistry()));
  }

  private Sandbox running(String ns, String name, Instant shutdown, List<String> finalizers) {
    Sandbox s = Fixtures.claimed(ns, name, "tpl-stale", owner.id(), "127.0.0.1");
    s.getSpec().setShutdownTime(Timeouts.format(shutdown));
    s.getMetadata().setFinalizers(new ArrayList<>(finalizers));
    return client.resource(s).create();
  }

  private Resource<Sandbox> stored(Sandbox s) {
    return client
        .resources(Sandbox.class)
        .inNamespace(s.getMetadata().getNamespace())
        .withName(s.getMetadata().getName());
  }

  private Sandbox live(Sandbox s) {
    return stored(s).get();
  }

  /** A write straight to the API server, as another replica's would be. */
  private void writtenByAnotherReplica(Sandbox s, Consumer<SandboxSpec> change) {
    stored(s)
        .edit(
            x -> {
              change.accept(x.getSpec());
              return x;
            });
  }

  @Test
  void connectOnAStaleCopyNeverShortensAnotherReplicasExtension() {
    Sandbox s = running("stale-a", "sbx-a", Instant.now().plusSeconds(30), List.of());
    SandboxService replicaA = frozenReplica(s);
    Instant extendedByB = Instant.now().plus(Duration.ofHours(2));
    writtenByAnotherReplica(s, spec -> spec.setShutdownTime(Timeouts.format(extendedByB)));

    // A sees 30 s left and "extends" to 60 s: planned on a stale copy, that would shorten B's 2 h.
    replicaA.connect(owner, SandboxView.id(s), Duration.ofSeconds(60));

    assertThat(Instant.parse(live(s).getSpec().getShutdownTime()))
        .isAfterOrEqualTo(extendedByB.minusSeconds(1));
  }

  @Test
  void aConcurrentKillWinsOverAStaleTimeoutWrite() {
    Sandbox s =
        running(
            "stale-b", "sbx-b", Instant.now().plusSeconds(300), List.of("test.io/keep-for-test"));
    SandboxService replicaA = frozenReplica(s);
    // Replica B kills it: with a finalizer it stays, marked for deletion.
    stored(s).delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> live(s).getMetadata().getDeletionTimestamp() != null);
    String before = live(s).getSpec().getShutdownTime();

    assertThatThrownBy(() -> replicaA.setTimeout(owner, SandboxView.id(s), Duration.ofHours(20)))
        .isInstanceOfSatisfying(E2bException.class, e -> assertThat(e.status()).isEqualTo(404));
    assertThat(live(s).getSpec().getShutdownTime()).isEqualTo(before);
  }

  @Test
  void aStalePauseOfASandboxPausedMeanwhileIsRefused() {
    Sandbox s = running("stale-c", "sbx-c", Instant.now().plusSeconds(300), List.of());
    SandboxService replicaA = frozenReplica(s);
    Instant retention = Instant.now().plus(Duration.ofDays(7));
    writtenByAnotherReplica(
        s,
        spec -> {
          spec.setPaused(true);
          spec.setShutdownTime(Timeouts.format(retention));
        });

    assertThatThrownBy(() -> replicaA.pause(owner, SandboxView.id(s)))
        .isInstanceOfSatisfying(E2bException.class, e -> assertThat(e.status()).isEqualTo(409));
    assertThat(live(s).getSpec().getShutdownTime()).isEqualTo(Timeouts.format(retention));
  }
}
