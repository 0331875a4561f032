package io.openkruise.agents.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.openkruise.agents.envd.process.ProcessOutput;
import io.openkruise.agents.envd.process.ProcessStart;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs a shell command through envd's Connect API ({@code process.Process/Start}, server streaming
 * in the Connect JSON envelope format) and returns its stdout: enough of the protocol to prove a
 * sandbox really runs commands, without an SDK.
 */
public final class EnvdCommand {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private EnvdCommand() {}

  /**
   * @param base where envd answers: a pod's {@code http://ip:49983}, or the manager with routing
   *     headers in {@code headers}
   */
  public static String run(String base, Map<String, String> headers, String command)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + ProcessStart.PATH))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", ConnectEnvelope.CONTENT_TYPE_JSON)
            .header("Connect-Protocol-Version", "1")
            .POST(
                HttpRequest.BodyPublishers.ofByteArray(
                    ProcessStart.request("/bin/bash", List.of("-l", "-c", command))));
    headers.forEach(request::header);
    HttpResponse<byte[]> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    return ProcessOutput.of(r.body()).stdout();
  }
}
