package io.openkruise.agents.controller.support;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Calls the sandbox runtime's {@code POST /init} (env vars, access token), with bounded exponential
 * retries: the runtime may still be starting right after Ready.
 */
@ApplicationScoped
public class RuntimeInitClient {

  static final int DEFAULT_PORT = 49983;
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final int attempts;
  private final Duration firstBackoff;

  public RuntimeInitClient(
      @ConfigProperty(name = "kruise.controller.runtime-init.attempts", defaultValue = "5")
          int attempts,
      @ConfigProperty(name = "kruise.controller.runtime-init.first-backoff", defaultValue = "200ms")
          Duration firstBackoff) {
    this.attempts = attempts;
    this.firstBackoff = firstBackoff;
  }

  /** Base URL of a sandbox's runtime: the annotation if set, else the pod IP on 49983. */
  public static Optional<String> runtimeUrl(Sandbox sandbox) {
    Map<String, String> annotations = sandbox.getMetadata().getAnnotations();
    if (annotations != null) {
      for (String key :
          new String[] {
            MetadataKeys.ANNOTATION_RUNTIME_URL, MetadataKeys.ANNOTATION_ENVD_URL_LEGACY
          }) {
        String url = annotations.get(key);
        if (url != null && !url.isBlank()) {
          return Optional.of(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        }
      }
    }
    return Optional.ofNullable(sandbox.getStatus())
        .map(s -> s.getSandboxIp())
        .filter(ip -> !ip.isBlank())
        .map(ip -> "http://" + ip + ":" + DEFAULT_PORT);
  }

  /**
   * @return empty on success, else why init failed after all retries
   */
  public Optional<String> init(Sandbox sandbox, Map<String, String> envVars, String accessToken) {
    Optional<String> base = runtimeUrl(sandbox);
    if (base.isEmpty()) {
      return Optional.of("sandbox has no IP and no runtime URL");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("envVars", envVars == null || envVars.isEmpty() ? null : envVars);
    if (accessToken != null && !accessToken.isEmpty()) {
      body.put("accessToken", accessToken);
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base.get() + "/init"))
            .timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.asJson(body)))
            .build();
    String lastError = "not attempted";
    Duration backoff = firstBackoff;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 == 2) {
          return Optional.empty();
        }
        lastError = "HTTP " + response.statusCode() + " from " + request.uri();
      } catch (IOException e) {
        lastError =
            e.getClass().getSimpleName() + " calling " + request.uri() + ": " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of("interrupted");
      }
      if (attempt < attempts) {
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.of("interrupted");
        }
        backoff = backoff.multipliedBy(2);
      }
    }
    return Optional.of(lastError);
  }
}
