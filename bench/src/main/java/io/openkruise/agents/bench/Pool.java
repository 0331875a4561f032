package io.openkruise.agents.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
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
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

/**
 * The warm pool of one SandboxSet as the API server's watch shows it: depth (claimable members),
 * scaling, and a depth sample every 100 ms for the timeline plots. {@link #ours} reads our Sandbox
 * type; {@link #goOriginal} reads the Go original's Sandboxes (same group and kind, another status
 * shape) for the side-by-side run.
 */
final class Pool implements AutoCloseable {

  /** One depth sample, seconds since the sampler's origin. */
  record Sample(double seconds, int depth) {}

  private final KubernetesClient client;
  private final String namespace;
  private final String template;
  private final SharedIndexInformer<? extends HasMetadata> informer;
  private final BiPredicate<HasMetadata, Instant> claimable;
  private final ScheduledExecutorService sampler =
      Executors.newSingleThreadScheduledExecutor(Daemons.factory("pool-sampler"));
  private final List<Sample> samples = new ArrayList<>();
  private volatile long origin = System.nanoTime();

  /** Watches the {@code sandboxes} in {@code namespace} whose {@code poolLabel} is the template. */
  private Pool(
      KubernetesClient client,
      String namespace,
      String template,
      MixedOperation<? extends HasMetadata, ?, ?> sandboxes,
      String poolLabel,
      BiPredicate<HasMetadata, Instant> claimable) {
    this.client = client;
    this.namespace = namespace;
    this.template = template;
    this.informer = sandboxes.inNamespace(namespace).withLabel(poolLabel, template).inform();
    this.claimable = claimable;
    sampler.scheduleAtFixedRate(this::sample, 0, 100, TimeUnit.MILLISECONDS);
  }

  /** Our system's pool: claimable as the managers decide it ({@link SandboxState#isClaimable}). */
  static Pool ours(KubernetesClient client, String namespace, String template) {
    return new Pool(
        client,
        namespace,
        template,
        client.resources(Sandbox.class),
        MetadataKeys.LABEL_SANDBOX_TEMPLATE,
        (s, now) -> SandboxState.isClaimable((Sandbox) s, now));
  }

  /**
   * The Go original's pool, read generically: its Sandbox status has another shape than ours.
   * Claimable as its manager picks candidates: not deleting, not locked, still owned by the
   * SandboxSet and labelled unclaimed, phase Running, condition Ready and a pod IP.
   */
  static Pool goOriginal(KubernetesClient client, String namespace, String template) {
    return new Pool(
        client,
        namespace,
        template,
        client.genericKubernetesResources(HasMetadata.getApiVersion(Sandbox.class), "Sandbox"),
        MetadataKeys.LABEL_SANDBOX_POOL,
        (s, now) -> goOriginalClaimable((GenericKubernetesResource) s));
  }

  @SuppressWarnings("unchecked")
  static boolean goOriginalClaimable(GenericKubernetesResource s) {
    var meta = s.getMetadata();
    if (meta.getDeletionTimestamp() != null
        || meta.getLabels() == null
        || !"false".equals(meta.getLabels().get(MetadataKeys.LABEL_SANDBOX_CLAIMED))
        || (meta.getAnnotations() != null
            && !meta.getAnnotations().getOrDefault(MetadataKeys.ANNOTATION_LOCK, "").isEmpty())
        || meta.getOwnerReferences() == null
        || meta.getOwnerReferences().stream()
            .noneMatch(o -> Boolean.TRUE.equals(o.getController()) && isSandboxSet(o))) {
      return false;
    }
    Object status = s.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> st) || !"Running".equals(st.get("phase"))) {
      return false;
    }
    Object podInfo = st.get("podInfo");
    if (!(podInfo instanceof Map<?, ?> pi)
        || !(pi.get("podIP") instanceof String ip)
        || ip.isEmpty()) {
      return false;
    }
    Object conditions = st.get("conditions");
    return conditions instanceof List<?> list
        && list.stream()
            .anyMatch(
                c ->
                    c instanceof Map<?, ?> m
                        && "Ready".equals(m.get("type"))
                        && "True".equals(m.get("status")));
  }

  private static boolean isSandboxSet(OwnerReference o) {
    return "SandboxSet".equals(o.getKind());
  }

  /** Claimable members right now. */
  int depth() {
    Instant now = Instant.now();
    return (int) informer.getStore().list().stream().filter(s -> claimable.test(s, now)).count();
  }

  /** Some claimable member, for the raw-write baseline. */
  HasMetadata anyClaimable() {
    Instant now = Instant.now();
    return informer.getStore().list().stream()
        .filter(s -> claimable.test(s, now))
        .map(HasMetadata.class::cast)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("the pool of " + template + " is empty"));
  }

  /** A merge patch of {@code spec.replicas} without a resourceVersion: no 409 to lose. */
  void scale(int replicas) {
    client
        .genericKubernetesResources(HasMetadata.getApiVersion(SandboxSet.class), "SandboxSet")
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
