package io.openkruise.agents.envd.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkruise.agents.envd.connect.ConnectEnvelope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What a {@code process.Process/Start} stream said: stdout, stderr, the exit code ({@code null}
 * when the stream ended without an {@code end} event) and the end-stream error, if any.
 */
public record ProcessOutput(Integer exitCode, String stdout, String stderr, String error) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads a complete response body of process events.
   *
   * @throws IOException when an envelope does not hold JSON
   */
  public static ProcessOutput of(byte[] body) throws IOException {
    Integer exit = null;
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    String error = null;
    for (ConnectEnvelope.Message m : ConnectEnvelope.readAll(body)) {
      JsonNode msg = JSON.readTree(m.payload());
      if (m.isEndStream()) {
        if (msg.has("error")) {
          error = "runtime error: " + msg.get("error").path("message").asText(msg.toString());
        }
        continue;
      }
      JsonNode event = msg.path("event");
      JsonNode data = event.path("data");
      if (data.has("stdout")) {
        stdout.writeBytes(Base64.getDecoder().decode(data.get("stdout").asText()));
      }
      if (data.has("stderr")) {
        stderr.writeBytes(Base64.getDecoder().decode(data.get("stderr").asText()));
      }
      if (event.has("end")) {
        exit = event.get("end").path("exitCode").asInt(0);
      }
    }
    return new ProcessOutput(
        exit,
        stdout.toString(StandardCharsets.UTF_8),
        stderr.toString(StandardCharsets.UTF_8),
        error);
  }
}
