package io.openkruise.agents.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.api.v1alpha1.SandboxSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The warm pool of one SandboxSet as the API server's watch shows it: depth (claimable members),
 * scaling, and a depth sample every 100 ms for the timeline plots.
 */
final class Pool implements AutoCloseable {

  /** One depth sample, seconds since the sampler's origin. */
  record Sample(double seconds, int depth) {}

  private final KubernetesClient client;
  private final String namespace;
  private final String template;
  private final SharedIndexInformer<Sandbox> informer;
  private final ScheduledExecutorService sampler =
      Executors.newSingleThreadScheduledExecutor(Daemons.factory("pool-sampler"));
  private final List<Sample> samples = new ArrayList<>();
  private volatile long origin = System.nanoTime();

  Pool(KubernetesClient client, String namespace, String template) {
    this.client = client;
    this.namespace = namespace;
    this.template = template;
    this.informer =
        client
            .resources(Sandbox.class)
            .inNamespace(namespace)
            .withLabel(MetadataKeys.LABEL_SANDBOX_TEMPLATE, template)
            .inform();
    sampler.scheduleAtFixedRate(this::sample, 0, 100, TimeUnit.MILLISECONDS);
  }

  /** Claimable members right now. */
  int depth() {
    Instant now = Instant.now();
    return (int)
        informer.getStore().list().stream().filter(s -> SandboxState.isClaimable(s, now)).count();
  }

  /** Members (claimable or starting) the SandboxSet owns: claimed ones are no longer members. */
  int members() {
    return (int)
        informer.getStore().list().stream()
            .filter(
                s ->
                    "false"
                        .equals(
                            s.getMetadata()
                                .getLabels()
                                .getOrDefault(MetadataKeys.LABEL_SANDBOX_CLAIMED, "")))
            .count();
  }

  /** Some claimable member, for the raw-write baseline. */
  Sandbox anyClaimable() {
    Instant now = Instant.now();
    return informer.getStore().list().stream()
        .filter(s -> SandboxState.isClaimable(s, now))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("the pool of " + template + " is empty"));
  }

  /** A merge patch of {@code spec.replicas} without a resourceVersion: no 409 to lose. */
  void scale(int replicas) {
    client
        .resources(SandboxSet.class)
        .inNamespace(namespace)
        .withName(template)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  /** Waits until at least {@code depth} members are claimable; false on timeout. */
  boolean awaitDepth(int depth, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (depth() < depth) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  /** Starts a new timeline: samples from now on, seconds counted from now. */
  synchronized void restartTimeline(long originNanos) {
    origin = originNanos;
    samples.clear();
  }

  synchronized List<Sample> timeline() {
    return List.copyOf(samples);
  }

  private void sample() {
    try {
      int d = depth();
      synchronized (this) {
        samples.add(new Sample((System.nanoTime() - origin) / 1e9, d));
      }
    } catch (RuntimeException e) {
      // a failed sample is a gap in the plot, nothing more
    }
  }

  @Override
  public void close() {
    sampler.shutdownNow();
    informer.close();
  }
}
