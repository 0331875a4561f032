package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Runs a shell command through envd's Connect API ({@code process.Process/Start}, server streaming
 * in the Connect JSON envelope format) and returns its stdout: enough of the protocol to prove a
 * sandbox really runs commands, without an SDK.
 */
final class EnvdCommand {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private EnvdCommand() {}

  /**
   * @param base where envd answers: a pod's {@code http://ip:49983}, or the manager with routing
   *     headers in {@code headers}
   */
  static String run(String base, Map<String, String> headers, String command) throws Exception {
    String start =
        JSON.writeValueAsString(
            Map.of("process", Map.of("cmd", "/bin/bash", "args", List.of("-l", "-c", command))));
    byte[] payload = start.getBytes(StandardCharsets.UTF_8);
    byte[] envelope =
        ByteBuffer.allocate(5 + payload.length)
            .put((byte) 0)
            .putInt(payload.length)
            .put(payload)
            .array();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + "/process.Process/Start"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/connect+json")
            .header("Connect-Protocol-Version", "1")
            .POST(HttpRequest.BodyPublishers.ofByteArray(envelope));
    headers.forEach(request::header);
    HttpResponse<byte[]> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    ByteBuffer frames = ByteBuffer.wrap(r.body());
    StringBuilder out = new StringBuilder();
    while (frames.remaining() >= 5) {
      frames.get();
      byte[] message = new byte[frames.getInt()];
      frames.get(message);
      JsonNode data = JSON.readTree(message).path("event").path("data").path("stdout");
      if (!data.isMissingNode()) {
        out.append(new String(Base64.getDecoder().decode(data.asText()), StandardCharsets.UTF_8));
      }
    }
    return out.toString();
  }
}
