package io.openkruise.agents.manager.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.envd.EnvdHeaders;
import io.openkruise.agents.envd.RuntimeAddress;
import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.openkruise.agents.envd.init.InitClient;
import io.openkruise.agents.envd.process.ProcessOutput;
import io.openkruise.agents.envd.process.ProcessStart;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Calls into a sandbox's runtime (envd): {@code /init} (the shared {@link InitClient}) and the CSI
 * mount helper.
 */
public class RuntimeClient {

  /** Where the mount helper lives in sandboxes built from the agent-runtime bundle. */
  public static final String MOUNT_HELPER = "/mnt/envd/sandbox-runtime-storage";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final InitClient initClient;
  private final int defaultPort;
  private final Duration requestTimeout;
  private final SandboxTokens tokens;

  /**
   * @param secrets derives the bootstrap token each call carries: a fresh (or resumed) runtime
   *     refuses everything without it
   */
  public RuntimeClient(
      int defaultPort,
      int attempts,
      Duration firstBackoff,
      Duration requestTimeout,
      SandboxSecrets secrets) {
    this.tokens = new SandboxTokens(secrets);
    this.defaultPort = defaultPort;
    this.requestTimeout = requestTimeout;
    this.initClient = new InitClient(attempts, firstBackoff, requestTimeout, requestTimeout);
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(requestTimeout)
            .build();
  }

  /**
   * {@code http://<status.sandboxIp>:<port>}: the pod IP the controller observed. The {@code
   * runtime-url} annotation is not honoured: a tenant's SandboxClaim annotations reach the Sandbox,
   * and the manager must never dial an address a tenant chose. Only an IP literal is dialled.
   */
  public Optional<String> baseUrl(Sandbox s) {
    String ip = s.getStatus() == null ? null : s.getStatus().getSandboxIp();
    return RuntimeAddress.baseUrl(ip, defaultPort);
  }

  /**
   * {@code POST /init} with env vars and the access token, retried with doubling back-off.
   *
   * @param currentToken the token the runtime may already hold (re-init); sent as {@code
   *     X-Access-Token}
   * @return empty on success, else why it failed
   */
  public Optional<String> init(
      Sandbox s, Map<String, String> envVars, String accessToken, String currentToken) {
    Optional<String> base = baseUrl(s);
    if (base.isEmpty()) {
      return Optional.of("sandbox has no IP yet");
    }
    return initClient.init(
        new InitClient.Request(
            base.get(), tokens.bootstrapToken(s), envVars, accessToken, currentToken));
  }

  /**
   * Runs the mount helper through envd's {@code process.Process/Start} (Connect streaming, JSON).
   *
   * @return empty when it exited 0, else why not
   */
  public Optional<String> csiMount(
      Sandbox s, String accessToken, String driver, String requestBase64) {
    Optional<String> base = baseUrl(s);
    if (base.isEmpty()) {
      return Optional.of("sandbox has no IP");
    }
    String podUid =
        s.getStatus() != null && s.getStatus().getPodInfo() != null
            ? s.getStatus().getPodInfo().getPodUID()
            : null;
    byte[] start =
        ProcessStart.request(
            MOUNT_HELPER,
            List.of("mount", "--driver", driver, "--config", requestBase64),
            podUid == null ? Map.of() : Map.of("POD_UID", podUid));
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(base.get() + ProcessStart.PATH))
            .timeout(requestTimeout.plusSeconds(5))
            .header("Content-Type", ConnectEnvelope.CONTENT_TYPE_JSON)
            .header("Connect-Protocol-Version", "1")
            // envd's default user; the original sends it too.
            .header("Authorization", "Basic cm9vdDo=")
            .header(EnvdHeaders.BOOTSTRAP_TOKEN, tokens.bootstrapToken(s))
            .POST(HttpRequest.BodyPublishers.ofByteArray(start));
    if (accessToken != null && !accessToken.isEmpty()) {
      req.header(EnvdHeaders.ACCESS_TOKEN, accessToken);
    }
    try {
      HttpResponse<byte[]> r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() / 100 != 2) {
        return Optional.of(
            "HTTP "
                + r.statusCode()
                + ": "
                + truncate(new String(r.body(), StandardCharsets.UTF_8)));
      }
      return failure(ProcessOutput.of(r.body()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    } catch (Exception e) {
      return Optional.of(e.toString());
    }
  }

  /**
   * The runtime's resource samples of an inclusive range of epoch seconds ({@code GET
   * /metrics/samples}), oldest first, each envd's {@code /metrics} object.
   */
  public CompletableFuture<List<JsonNode>> metricSamples(Sandbox s, long fromSec, long toSec) {
    return getJson(s, "/metrics/samples?start=" + fromSec + "&end=" + toSec)
        .thenApply(
            body -> {
              List<JsonNode> out = new ArrayList<>();
              body.path("samples").forEach(out::add);
              return out;
            });
  }

  /** The runtime's latest resource sample (envd's {@code GET /metrics}). */
  public CompletableFuture<JsonNode> latestMetrics(Sandbox s) {
    return getJson(s, "/metrics");
  }

  private CompletableFuture<JsonNode> getJson(Sandbox s, String pathAndQuery) {
    Optional<String> base = baseUrl(s);
    if (base.isEmpty()) {
      return CompletableFuture.failedFuture(new IllegalStateException("sandbox has no IP"));
    }
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(base.get() + pathAndQuery))
            .timeout(requestTimeout)
            .header(EnvdHeaders.BOOTSTRAP_TOKEN, tokens.bootstrapToken(s))
            .GET();
    if (SandboxTokens.secure(s)) {
      req.header(EnvdHeaders.ACCESS_TOKEN, tokens.envdAccessToken(s));
    }
    return http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(
            r -> {
              if (r.statusCode() != 200) {
                throw new IllegalStateException(
                    "runtime answered HTTP "
                        + r.statusCode()
                        + ": "
                        + truncate(new String(r.body(), StandardCharsets.UTF_8)));
              }
              try {
                return JSON.readTree(r.body());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  /** Why the mount helper's run failed, if it did. */
  static Optional<String> failure(ProcessOutput out) {
    if (out.error() != null) {
      return Optional.of(out.error());
    }
    if (out.exitCode() == null) {
      return Optional.of("mount helper did not report an exit code");
    }
    if (out.exitCode() != 0) {
      return Optional.of(
          "mount helper exited " + out.exitCode() + ": " + truncate(out.stderr().trim()));
    }
    return Optional.empty();
  }

  static String truncate(String s) {
    return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }
}
