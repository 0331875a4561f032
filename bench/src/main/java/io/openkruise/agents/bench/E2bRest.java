package io.openkruise.agents.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plain E2B REST, the two calls the load needs: {@code POST /sandboxes} and {@code DELETE
 * /sandboxes/{id}} with {@code X-API-Key}; no SDK in between. Requests go round robin over the
 * given managers' URLs (replicas behind one load balancer).
 */
final class E2bRest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What one call got.
   *
   * @param status HTTP status; 0 when no answer came (connection error, timeout)
   * @param sandboxId from a create's answer, else null
   * @param error why it failed (non-2xx body or exception), else null
   */
  record Answer(int status, String sandboxId, String error) {
    boolean ok() {
      return status / 100 == 2;
    }
  }

  private final HttpClient http;
  private final List<URI> managers;
  private final String apiKey;
  private final Duration timeout;
  private final AtomicInteger next = new AtomicInteger();

  E2bRest(List<URI> managers, String apiKey, Duration timeout) {
    if (managers.isEmpty()) {
      throw new IllegalArgumentException("no manager URL");
    }
    this.managers = List.copyOf(managers);
    this.apiKey = apiKey;
    this.timeout = timeout;
    // HTTP/1.1 keep-alive (no h2c upgrade attempt); one thread per request in flight is fine for
    // the concurrency a 2-core machine can drive.
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .executor(Executors.newCachedThreadPool(Daemons.factory("e2b-http")))
            .build();
  }

  /** The same client limited to the first {@code n} managers. */
  E2bRest limitedTo(int n) {
    return new E2bRest(managers.subList(0, Math.min(n, managers.size())), apiKey, timeout);
  }

  int managerCount() {
    return managers.size();
  }

  Answer create(String template, int timeoutSeconds) {
    String body =
        "{\"templateID\":\""
            + template
            + "\",\"timeout\":"
            + timeoutSeconds
            + ",\"secure\":true,\"metadata\":{\"bench\":\"true\"}}";
    HttpRequest req =
        request("/sandboxes")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return send(req, true);
  }

  Answer delete(String sandboxId) {
    return send(request("/sandboxes/" + sandboxId).DELETE().build(), false);
  }

  private HttpRequest.Builder request(String path) {
    URI base = managers.get(Math.floorMod(next.getAndIncrement(), managers.size()));
    return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).header("X-API-Key", apiKey);
  }

  private Answer send(HttpRequest req, boolean readId) {
    try {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        return new Answer(r.statusCode(), null, truncate(r.body()));
      }
      return new Answer(r.statusCode(), readId ? sandboxId(r.body()) : null, null);
    } catch (IOException e) {
      return new Answer(0, null, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, null, "interrupted");
    }
  }

  static String sandboxId(String body) {
    try {
      JsonNode id = JSON.readTree(body).get("sandboxID");
      return id == null || id.isNull() ? null : id.asText();
    } catch (IOException e) {
      return null;
    }
  }

  private static String truncate(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
