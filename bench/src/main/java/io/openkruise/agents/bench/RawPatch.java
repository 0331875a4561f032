package io.openkruise.agents.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import org.HdrHistogram.Histogram;

/**
 * The floor a claim is measured against: one JSON merge-PATCH of a Sandbox carrying {@code
 * metadata.resourceVersion} (so the API server checks it, as the claim patch does), through the
 * same client library the services use, one after another.
 */
final class RawPatch {

  /** What the baseline got: latency of the successful patches, and 409s lost to other writers. */
  record Result(Histogram latency, int conflicts) {}

  private final KubernetesClient client;

  RawPatch(KubernetesClient client) {
    this.client = client;
  }

  Result run(HasMetadata target, int warmup, int measured) {
    Histogram h = new Histogram(Recorder.MAX_MICROS, 3);
    String ns = target.getMetadata().getNamespace();
    String name = target.getMetadata().getName();
    String version = target.getMetadata().getResourceVersion();
    int conflicts = 0;
    for (int i = 0; i < warmup + measured; ) {
      String patch =
          "{\"metadata\":{\"resourceVersion\":\""
              + version
              + "\",\"annotations\":{\"bench.agents.kruise.io/touch\":\""
              + i
              + "\"}}}";
      long t0 = System.nanoTime();
      try {
        HasMetadata s =
            resource(target, ns, name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        long micros = (System.nanoTime() - t0) / 1000;
        if (i >= warmup) {
          h.recordValue(Math.min(Recorder.MAX_MICROS, micros));
        }
        version = s.getMetadata().getResourceVersion();
        i++;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // The controller wrote in between: re-read, not counted.
        conflicts++;
        HasMetadata current = resource(target, ns, name).get();
        if (current == null) {
          // Removed between the 409 and this read (a pool scaled down): the caller's 404 retry.
          throw new KubernetesClientException("sandbox " + name + " is gone", 404, null);
        }
        version = current.getMetadata().getResourceVersion();
      }
    }
    return new Result(h, conflicts);
  }

  /** Ours through the typed client as the services use it; the Go original's generically. */
  @SuppressWarnings("unchecked")
  private Resource<HasMetadata> resource(HasMetadata target, String ns, String name) {
    Object r =
        target instanceof Sandbox
            ? client.resources(Sandbox.class).inNamespace(ns).withName(name)
            : client
                .genericKubernetesResources(HasMetadata.getApiVersion(Sandbox.class), "Sandbox")
                .inNamespace(ns)
                .withName(name);
    return (Resource<HasMetadata>) r;
  }
}
