package io.openkruise.agents.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkruise.agents.envd.init.InitClient;
import io.openkruise.agents.envd.process.ProcessOutput;
import io.openkruise.agents.envd.process.ProcessStart;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The calls of the agent-runtime's envd (49983) and code-interpreter (49999) APIs that the SDKs
 * make, as documented in docs/agent-runtime.md: {@code /init} with the bootstrap token, {@code
 * process.Process/Start} (a Connect server stream of JSON envelopes), {@code POST /files} and
 * {@code POST /execute} (NDJSON).
 */
final class EnvdClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String envd;
  private final String interpreter;
  private final String accessToken;

  EnvdClient(int envdPort, int interpreterPort, String accessToken) {
    this.envd = "http://127.0.0.1:" + envdPort;
    this.interpreter = "http://127.0.0.1:" + interpreterPort;
    this.accessToken = accessToken;
  }

  /** What the manager does after a claim: opens the runtime with the bootstrap token. */
  void init(String bootstrapToken) throws IOException {
    Optional<String> failed =
        new InitClient(1, Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(30))
            .init(new InitClient.Request(envd, bootstrapToken, Map.of(), accessToken, null));
    if (failed.isPresent()) {
      throw new IOException("/init failed: " + failed.get());
    }
  }

  record Command(int exitCode, String stdout, String stderr) {}

  /** {@code bash -l -c command}, as the SDKs' {@code commands.run} starts it. */
  Command run(String command) throws Exception {
    HttpResponse<byte[]> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(envd + ProcessStart.PATH))
                .timeout(Duration.ofSeconds(180))
                .header("Content-Type", "application/connect+json")
                .header("Connect-Protocol-Version", "1")
                .header("X-Access-Token", accessToken)
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        ProcessStart.request("/bin/bash", List.of("-l", "-c", command))))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IOException(
          "Start answered " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
    }
    ProcessOutput out = ProcessOutput.of(r.body());
    if (out.error() != null) {
      throw new IOException("stream ended with " + out.error());
    }
    if (out.exitCode() == null) {
      throw new IOException("no end event for `" + command + "`; stderr: " + out.stderr());
    }
    return new Command(out.exitCode(), out.stdout(), out.stderr());
  }

  /** {@code POST /files?path=...} with a raw body; relative paths land in the user's home. */
  void write(String path, String content) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        envd + "/files?path=" + URLEncoder.encode(path, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/octet-stream")
                .header("X-Access-Token", accessToken)
                .POST(HttpRequest.BodyPublishers.ofString(content))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("POST /files answered " + r.statusCode() + ": " + r.body());
    }
  }

  /** {@code POST /execute} in the default context: the NDJSON events, one per line. */
  List<JsonNode> execute(String code) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(interpreter + "/execute"))
                .timeout(Duration.ofSeconds(180))
                .header("Content-Type", "application/json")
                .header("X-Access-Token", accessToken)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        JSON.writeValueAsString(Map.of("code", code))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("/execute answered " + r.statusCode() + ": " + r.body());
    }
    List<JsonNode> events = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      if (!line.isBlank()) {
        events.add(JSON.readTree(line));
      }
    }
    return events;
  }
}
