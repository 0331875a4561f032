package io.openkruise.agents.localcluster.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.concurrent.TimeUnit;

/**
 * The node's writes to pods, each tied to the pod's uid so that a pod replaced under the same name
 * is never touched: status patches (skipped when the pod already shows them), the {@code binding}
 * subresource and the final delete.
 */
final class PodWrites {
  private final KubernetesClient client;

  PodWrites(KubernetesClient client) {
    this.client = client;
  }

  /** Patches the status subresource unless the pod already shows {@code desired}. */
  void writeStatus(Pod pod, PodStatus desired) {
    ObjectNode patch = StatusPatch.patch(desired);
    if (StatusPatch.covers(pod.getStatus(), patch)) {
      return;
    }
    // The uid makes the API server refuse the write if the pod was replaced under the same name.
    patch.putObject("metadata").put("uid", pod.getMetadata().getUid());
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .subresource("status")
          .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch.toString());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409 && e.getCode() != 422) {
        throw e;
      }
    }
  }

  /** Binds the pod to {@code node} (what a scheduler does). */
  void bind(Pod pod, String node) {
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\""
            + pod.getMetadata().getName()
            + "\",\"uid\":\""
            + pod.getMetadata().getUid()
            + "\"},\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\""
            + node
            + "\"}}";
    // 409: already bound (by us, a moment ago); 404: gone. Both are fine.
    send("binding", pod, "POST", podPath(pod) + "/binding", body);
  }

  /** Deletes the pod with grace 0 (what a kubelet does once its containers are gone). */
  void deleteNow(Pod pod) {
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"gracePeriodSeconds\":0,"
            + "\"preconditions\":{\"uid\":\""
            + pod.getMetadata().getUid()
            + "\"}}";
    // 409: replaced under the same name (the uid precondition); 404: gone. Both are fine.
    send("deleting", pod, "DELETE", podPath(pod), body);
  }

  private static String podPath(Pod pod) {
    return "api/v1/namespaces/"
        + pod.getMetadata().getNamespace()
        + "/pods/"
        + pod.getMetadata().getName();
  }

  /** Sends a raw request; any answer but success, 404 and 409 is an error. */
  private void send(String what, Pod pod, String method, String path, String body) {
    var http = client.getHttpClient();
    String base = client.getMasterUrl().toString();
    HttpRequest req =
        http.newHttpRequestBuilder()
            .uri(base.endsWith("/") ? base + path : base + "/" + path)
            .method(method, "application/json", body)
            .build();
    HttpResponse<String> r;
    try {
      r = http.sendAsync(req, String.class).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw KubernetesClientException.launderThrowable(e);
    }
    if (r.code() >= 300 && r.code() != 404 && r.code() != 409) {
      throw new KubernetesClientException(
          what
              + " "
              + Cache.metaNamespaceKeyFunc(pod)
              + " failed: HTTP "
              + r.code()
              + " "
              + r.body());
    }
  }
}
