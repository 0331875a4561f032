package io.openkruise.agents.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP calls to a sandbox-manager's E2B API, as the SDKs make them (X-API-Key, JSON). */
public final class E2bApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private E2bApi() {}

  /** Status and JSON body (null when empty). */
  public record Reply(int status, JsonNode body) {}

  /**
   * @param base e.g. {@code http://127.0.0.1:7788}
   * @param body JSON, or null for none
   */
  public static Reply call(
      String base, String method, String path, String key, String body, Duration timeout)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(timeout)
            .header("X-API-Key", key)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body().isBlank() ? null : JSON.readTree(r.body()));
  }
}
