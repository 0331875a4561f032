package io.openkruise.agents.controller.support;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.controller.ControllerConfig;
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
import java.util.regex.Pattern;

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
  private final SandboxSecrets secrets;

  public RuntimeInitClient(ControllerConfig config, SandboxSecrets secrets) {
    this.attempts = config.runtimeInit().attempts();
    this.firstBackoff = config.runtimeInit().firstBackoff();
    this.secrets = secrets;
  }

  /**
   * Base URL of a sandbox's runtime: the pod IP the controller itself wrote into {@code
   * status.sandboxIp}, on 49983. Never an address from a field a tenant can write: the {@code
   * runtime-url} annotation (and its legacy spelling) is not honoured for dialling, since a
   * SandboxClaim's annotations end up on the Sandbox and would make us POST anywhere (SSRF).
   */
  public static Optional<String> runtimeUrl(Sandbox sandbox) {
    return Optional.ofNullable(sandbox.getStatus())
        .map(s -> s.getSandboxIp())
        .filter(RuntimeInitClient::isIpLiteral)
        .map(ip -> "http://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + DEFAULT_PORT);
  }

  /** Only an IP literal: a hostname would let whoever writes the field pick what we dial. */
  static boolean isIpLiteral(String ip) {
    return ip != null && (IPV4.matcher(ip).matches() || IPV6.matcher(ip).matches());
  }

  private static final Pattern IPV4 =
      Pattern.compile("((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}");

  /**
   * @return empty on success, else why init failed after all retries
   */
  public Optional<String> init(Sandbox sandbox, Map<String, String> envVars, String accessToken) {
    Optional<String> base = runtimeUrl(sandbox);
    if (base.isEmpty()) {
      return Optional.of("sandbox has no pod IP");
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
            .header(
                SandboxSecrets.BOOTSTRAP_HEADER,
                secrets.bootstrapToken(sandbox.getMetadata().getUid()))
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
