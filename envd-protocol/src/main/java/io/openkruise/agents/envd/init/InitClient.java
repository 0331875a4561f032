package io.openkruise.agents.envd.init;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkruise.agents.envd.EnvdHeaders;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * envd's {@code POST /init} (env vars, access token) with bounded, doubling retries: a runtime may
 * still be starting right after its pod turned Ready. The one client both services use (their HTTP
 * stack is the JDK's for this call, so there is nothing to adapt).
 */
public final class InitClient {

  /** Longest pause between two attempts. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private static final Logger LOG = Logger.getLogger(InitClient.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ERROR_BODY = 300;

  private final HttpClient http;
  private final int attempts;
  private final Duration firstBackoff;
  private final Duration requestTimeout;

  /**
   * @param attempts at least one
   * @param connectTimeout of each connection
   * @param requestTimeout of each attempt
   */
  public InitClient(
      int attempts, Duration firstBackoff, Duration connectTimeout, Duration requestTimeout) {
    this.attempts = Math.max(1, attempts);
    this.firstBackoff = firstBackoff;
    this.requestTimeout = requestTimeout;
    // HTTP/1.1 as the runtime speaks it; the JDK's default would first try an h2c upgrade.
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .build();
  }

  /** The call's inputs. */
  public record Request(
      String baseUrl,
      String bootstrapToken,
      Map<String, String> envVars,
      String accessToken,
      String currentToken) {}

  /**
   * @param request {@code currentToken} is the token the runtime may already hold (a re-init), sent
   *     as {@code X-Access-Token}; null or empty fields are left out
   * @return empty on success, else why the last attempt failed
   */
  public Optional<String> init(Request request) {
    HttpRequest http;
    try {
      http = httpRequest(request);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return Optional.of(e.toString());
    }
    String last = "not attempted";
    Duration backoff = firstBackoff;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try {
        HttpResponse<String> r = this.http.send(http, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 == 2) {
          return Optional.empty();
        }
        last = "HTTP " + r.statusCode() + " from " + http.uri() + ": " + truncate(r.body());
      } catch (IOException e) {
        last = e.getClass().getSimpleName() + " calling " + http.uri() + ": " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of("interrupted");
      }
      final int failed = attempt;
      final String reason = last;
      LOG.log(Level.FINE, () -> "runtime init attempt " + failed + " failed: " + reason);
      if (attempt < attempts) {
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.of("interrupted");
        }
        backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
      }
    }
    return Optional.of(last);
  }

  /** What a {@link #probe} found. */
  public enum InitState {
    /** The runtime answered an authenticated request: {@code /init} opened it. */
    INITIALISED,
    /** The runtime refused the request (401/403): it is still closed, {@code /init} never ran. */
    NOT_INITIALISED,
    /** No answer, or one that says neither. */
    UNREACHABLE
  }

  /**
   * Whether the runtime behind {@code baseUrl} was initialised, asked without the bootstrap token:
   * a runtime started with one refuses everything but {@code /health} until {@code /init} opened
   * it, and afterwards its access token (if any) admits {@code GET /envs}. One attempt. A runtime
   * started without a bootstrap token (stock envd) always looks initialised.
   *
   * @param accessToken the envd access token of a secure sandbox; null or empty for none
   */
  public InitState probe(String baseUrl, String accessToken) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl + "/envs")).timeout(requestTimeout).GET();
    if (accessToken != null && !accessToken.isEmpty()) {
      b.header(EnvdHeaders.ACCESS_TOKEN, accessToken);
    }
    try {
      int status = http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status / 100 == 2) {
        return InitState.INITIALISED;
      }
      return status == 401 || status == 403 ? InitState.NOT_INITIALISED : InitState.UNREACHABLE;
    } catch (IOException | IllegalArgumentException e) {
      LOG.log(Level.FINE, () -> "runtime probe of " + baseUrl + " failed: " + e);
      return InitState.UNREACHABLE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return InitState.UNREACHABLE;
    }
  }

  HttpRequest httpRequest(Request r) throws JsonProcessingException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(r.baseUrl() + "/init"))
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body(r.envVars(), r.accessToken())));
    if (r.bootstrapToken() != null && !r.bootstrapToken().isEmpty()) {
      b.header(EnvdHeaders.BOOTSTRAP_TOKEN, r.bootstrapToken());
    }
    if (r.currentToken() != null && !r.currentToken().isEmpty()) {
      b.header(EnvdHeaders.ACCESS_TOKEN, r.currentToken());
    }
    return b.build();
  }

  /** {@code {"envVars": {...} | null, "accessToken": "..."}}; no token, no field. */
  static String body(Map<String, String> envVars, String accessToken)
      throws JsonProcessingException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("envVars", envVars == null || envVars.isEmpty() ? null : envVars);
    if (accessToken != null && !accessToken.isEmpty()) {
      body.put("accessToken", accessToken);
    }
    return JSON.writeValueAsString(body);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static String truncate(String s) {
    return s == null ? "" : s.length() > MAX_ERROR_BODY ? s.substring(0, MAX_ERROR_BODY) + "…" : s;
  }
}
