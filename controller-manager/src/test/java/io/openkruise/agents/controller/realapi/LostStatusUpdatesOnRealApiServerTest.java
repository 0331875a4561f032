package io.openkruise.agents.controller.realapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.ConditionTypes;
import io.openkruise.agents.api.v1alpha1.Conditions;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import io.openkruise.agents.localcluster.junit.LocalClusterTestResource;
import io.openkruise.agents.localcluster.junit.TestNamespace;
import io.openkruise.agents.testing.Pools;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * JOSDK 5.3.0-5.3.4 (java-operator-sdk#3398) can drop a spec change that lands while the
 * reconciler's own status patch is in flight. {@link StatusPatchHook} makes that window
 * deterministic: a {@code kubectl scale sbs} lands inside the SandboxSet's last status patch of a
 * scale-up, after which nothing else happens in the pool. The new replica count must still be acted
 * on.
 */
@QuarkusTest
@WithTestResource(LocalClusterTestResource.class)
@io.openkruise.agents.testing.tier.ClusterTier
class LostStatusUpdatesOnRealApiServerTest {

  @Inject KubernetesClient client;
  @TestNamespace String namespace;

  private long available(String set) {
    return Pools.members(client, namespace, set, false).stream()
        .filter(s -> s.getMetadata().getDeletionTimestamp() == null)
        .count();
  }

  private long ready(String set) {
    return client
        .resources(Sandbox.class)
        .inNamespace(namespace)
        .withLabel(MetadataKeys.LABEL_SANDBOX_POOL, set)
        .list()
        .getItems()
        .stream()
        .filter(
            s ->
                s.getStatus() != null
                    && Conditions.isTrue(s.getStatus().getConditions(), ConditionTypes.READY))
        .count();
  }

  private SandboxSet set(String name) {
    return client.resources(SandboxSet.class).inNamespace(namespace).withName(name).get();
  }

  private void awaitAvailable(String name, int count) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              SandboxSet s = set(name);
              assertThat(s.getStatus()).isNotNull();
              assertThat(s.getStatus().getAvailableReplicas()).isEqualTo(count);
              assertThat(available(name)).isEqualTo(count);
            });
  }

  @Test
  void aScaleLandingDuringTheLastStatusPatchIsActedOn() throws Exception {
    String name = "lost-scale";
    client.resource(Pools.set(namespace, name, 1, Pools.template("img:1"))).create();
    awaitAvailable(name, 1);

    CountDownLatch scaled = new CountDownLatch(1);
    StatusPatchHook.ARMED.set(
        new StatusPatchHook.Armed(
            "/sandboxsets/" + name + "/status",
            // The status patch that reports the second member Ready: the last write of the
            // scale-up (the body's form depends on the patch type, so look at the members).
            body -> body.contains("availableReplicas") && ready(name) == 2,
            () -> {
              // kubectl scale sbs lost-scale --replicas=3, while the pool's status patch that
              // reports the scale-up to 2 done is about to go out.
              client.resources(SandboxSet.class).inNamespace(namespace).withName(name).scale(3);
              scaled.countDown();
              try {
                // Let the scale's watch event reach the controller inside the window.
                Thread.sleep(1500);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }));
    client.resources(SandboxSet.class).inNamespace(namespace).withName(name).scale(2);

    assertThat(scaled.await(60, TimeUnit.SECONDS))
        .as("the hook fired (status patches seen: %d)", StatusPatchHook.SEEN.get())
        .isTrue();
    assertThat(set(name).getSpec().getReplicas()).isEqualTo(3);
    // Nothing but the scale asks for a third member: it is created only if the scale was seen.
    awaitAvailable(name, 3);
  }
}
