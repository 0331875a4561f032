package io.openkruise.agents.controller.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.net.HttpURLConnection;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Deletes that carry a UID precondition, so a decision made about one object never deletes a
 * namesake that replaced it in the meantime (the API server answers 409 instead). fabric8's delete
 * DSL only offers a resourceVersion precondition, hence this thin call on fabric8's HTTP client.
 */
public final class GuardedDeletes {
  private GuardedDeletes() {}

  /**
   * Deletes {@code object} if it still is the one with its UID.
   *
   * @param gracePeriodSeconds null for the object's default
   * @return true when the API server accepted the delete; false when it was gone or replaced
   */
  public static boolean delete(
      KubernetesClient client, HasMetadata object, Long gracePeriodSeconds) {
    return delete(client, object, gracePeriodSeconds, false);
  }

  /**
   * Deletes {@code object} only if it is still exactly the version the decision was made on (UID
   * and resourceVersion preconditions): any write since then makes it a no-op.
   *
   * @return true when the API server accepted the delete
   */
  public static boolean deleteIfUnchanged(KubernetesClient client, HasMetadata object) {
    return delete(client, object, null, true);
  }

  private static boolean delete(
      KubernetesClient client, HasMetadata object, Long gracePeriodSeconds, boolean sameVersion) {
    String uid = object.getMetadata().getUid();
    if (uid == null || uid.isEmpty()) {
      throw new IllegalArgumentException("no UID on " + object.getMetadata().getName());
    }
    Map<String, Object> preconditions = new LinkedHashMap<>();
    preconditions.put("uid", uid);
    if (sameVersion) {
      preconditions.put("resourceVersion", object.getMetadata().getResourceVersion());
    }
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("apiVersion", "v1");
    options.put("kind", "DeleteOptions");
    options.put("preconditions", preconditions);
    if (gracePeriodSeconds != null) {
      options.put("gracePeriodSeconds", gracePeriodSeconds);
    }
    HttpClient http = client.getHttpClient();
    HttpRequest request =
        http.newHttpRequestBuilder()
            .uri(url(client, object))
            .method(
                "DELETE", "application/json", client.getKubernetesSerialization().asJson(options))
            .build();
    HttpResponse<String> response;
    try {
      response = http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("interrupted deleting " + describe(object), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new KubernetesClientException("cannot delete " + describe(object), e);
    }
    int code = response.code();
    if (code / 100 == 2) {
      return true;
    }
    if (code == HttpURLConnection.HTTP_NOT_FOUND || code == HttpURLConnection.HTTP_CONFLICT) {
      return false;
    }
    throw new KubernetesClientException(
        "deleting " + describe(object) + ": HTTP " + code + " " + response.body(), code, null);
  }

  static String url(KubernetesClient client, HasMetadata object) {
    Class<? extends HasMetadata> type = object.getClass();
    String apiVersion = HasMetadata.getApiVersion(type);
    String base = client.getMasterUrl().toString();
    StringBuilder url = new StringBuilder(base.endsWith("/") ? base : base + "/");
    url.append(apiVersion.contains("/") ? "apis/" : "api/").append(apiVersion);
    String ns = object.getMetadata().getNamespace();
    if (ns != null && !ns.isEmpty()) {
      url.append("/namespaces/").append(encode(ns));
    }
    url.append('/').append(HasMetadata.getPlural(type));
    url.append('/').append(encode(object.getMetadata().getName()));
    return url.toString();
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8);
  }

  private static String describe(HasMetadata object) {
    return object.getKind() + " " + object.getMetadata().getName();
  }
}
