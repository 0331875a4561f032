package io.openkruise.agents.manager.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.util.NetUtil;
import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Calls into a sandbox's runtime (envd): {@code /init} and the CSI mount helper. */
public class RuntimeClient {

  private static final Logger LOG = Logger.getLogger(RuntimeClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the mount helper lives in sandboxes built from the agent-runtime bundle. */
  public static final String MOUNT_HELPER = "/mnt/envd/sandbox-runtime-storage";

  private final HttpClient http;
  private final int defaultPort;
  private final int attempts;
  private final Duration firstBackoff;
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
    this.attempts = Math.max(1, attempts);
    this.firstBackoff = firstBackoff;
    this.requestTimeout = requestTimeout;
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
    if (ip == null || !(NetUtil.isValidIpV4Address(ip) || NetUtil.isValidIpV6Address(ip))) {
      return Optional.empty();
    }
    String host = ip.contains(":") ? "[" + ip + "]" : ip;
    return Optional.of("http://" + host + ":" + defaultPort);
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
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("envVars", envVars == null || envVars.isEmpty() ? null : envVars);
    if (accessToken != null && !accessToken.isEmpty()) {
      body.put("accessToken", accessToken);
    }
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (Exception e) {
      return Optional.of(e.toString());
    }
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(base.get() + "/init"))
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header(SandboxSecrets.BOOTSTRAP_HEADER, tokens.bootstrapToken(s))
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (currentToken != null && !currentToken.isEmpty()) {
      req.header("X-Access-Token", currentToken);
    }
    String last = "no attempt";
    long backoff = firstBackoff.toMillis();
    for (int i = 1; i <= attempts; i++) {
      try {
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 == 2) {
          return Optional.empty();
        }
        last = "HTTP " + r.statusCode() + ": " + truncate(r.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of("interrupted");
      } catch (Exception e) {
        last = e.toString();
      }
      LOG.debugf("runtime init of %s failed (attempt %d): %s", s.getMetadata().getName(), i, last);
      if (i < attempts) {
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.of("interrupted");
        }
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
    return Optional.of(last);
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
    Map<String, Object> process = new LinkedHashMap<>();
    process.put("cmd", MOUNT_HELPER);
    process.put("args", List.of("mount", "--driver", driver, "--config", requestBase64));
    process.put("envs", podUid == null ? Map.of() : Map.of("POD_UID", podUid));
    byte[] message;
    try {
      message = JSON.writeValueAsBytes(Map.of("process", process));
    } catch (Exception e) {
      return Optional.of(e.toString());
    }
    ByteBuffer frame = ByteBuffer.allocate(5 + message.length);
    frame.put((byte) 0).putInt(message.length).put(message);
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(base.get() + "/process.Process/Start"))
            .timeout(requestTimeout.plusSeconds(5))
            .header("Content-Type", "application/connect+json")
            .header("Connect-Protocol-Version", "1")
            // envd's default user; the original sends it too.
            .header("Authorization", "Basic cm9vdDo=")
            .header(SandboxSecrets.BOOTSTRAP_HEADER, tokens.bootstrapToken(s))
            .POST(HttpRequest.BodyPublishers.ofByteArray(frame.array()));
    if (accessToken != null && !accessToken.isEmpty()) {
      req.header("X-Access-Token", accessToken);
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
      return ProcessOutcome.of(r.body()).failure();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    } catch (Exception e) {
      return Optional.of(e.toString());
    }
  }

  /** What a Connect process stream said: exit code and stderr. */
  record ProcessOutcome(Integer exitCode, String stderr, String error) {

    Optional<String> failure() {
      if (error != null) {
        return Optional.of(error);
      }
      if (exitCode == null) {
        return Optional.of("mount helper did not report an exit code");
      }
      if (exitCode != 0) {
        return Optional.of("mount helper exited " + exitCode + ": " + truncate(stderr.trim()));
      }
      return Optional.empty();
    }

    static ProcessOutcome of(byte[] body) throws java.io.IOException {
      ByteBuffer buf = ByteBuffer.wrap(body);
      Integer exit = null;
      ByteArrayOutputStream stderr = new ByteArrayOutputStream();
      String error = null;
      while (buf.remaining() >= 5) {
        int flags = buf.get() & 0xFF;
        int len = buf.getInt();
        if (len < 0 || len > buf.remaining()) {
          break;
        }
        byte[] payload = new byte[len];
        buf.get(payload);
        JsonNode msg = JSON.readTree(payload);
        if ((flags & 0x02) != 0) {
          if (msg.has("error")) {
            error = "runtime error: " + msg.get("error").path("message").asText(msg.toString());
          }
          continue;
        }
        JsonNode event = msg.path("event");
        if (event.has("data") && event.get("data").has("stderr")) {
          stderr.writeBytes(Base64.getDecoder().decode(event.get("data").get("stderr").asText()));
        }
        if (event.has("end")) {
          exit = event.get("end").path("exitCode").asInt(0);
        }
      }
      return new ProcessOutcome(exit, stderr.toString(StandardCharsets.UTF_8), error);
    }
  }

  static String truncate(String s) {
    return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }
}
