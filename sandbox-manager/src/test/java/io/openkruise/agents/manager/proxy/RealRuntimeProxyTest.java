package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.openkruise.agents.envd.process.ProcessStart;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.EOFException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proxy in front of the real agent-runtime (envd on its fixed port 49983 of its own loopback
 * IP), spoken to the way the JS SDK does with {@code E2B_SANDBOX_URL}: routing headers, {@code
 * X-Access-Token}, Connect server streams and raw file uploads.
 */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class RealRuntimeProxyTest {

  /** The derived token of the one sandbox of this class (its runtime holds one token). */
  static String TOKEN;

  static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final SecuredRuntime runtime = new SecuredRuntime();
  static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Inject KubernetesClient client;
  @Inject SandboxTokens tokens;

  /** Every test talks to the same secure sandbox; {@code name} only documents the test. */
  private String sandbox(String name) throws Exception {
    SecuredRuntime.Shared shared = runtime.shared(client, tokens, "real");
    TOKEN = shared.token();
    return shared.id();
  }

  private static HttpRequest.Builder viaProxy(String id, String path) {
    return withoutToken(id, path).header("X-Access-Token", TOKEN);
  }

  private static HttpRequest.Builder withoutToken(String id, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + path))
        .header("E2b-Sandbox-Id", id)
        .header("E2b-Sandbox-Port", "49983");
  }

  @Test
  void filesWriteThenReadThroughTheProxy() throws Exception {
    String id = sandbox("files");
    byte[] content = "hello through the proxy\n".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> up =
        http.send(
            viaProxy(id, "/files?path=notes/hello.txt")
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(content))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
    assertThat(up.body()).contains("hello.txt");
    HttpResponse<byte[]> down =
        http.send(
            viaProxy(id, "/files?path=notes/hello.txt").GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(down.statusCode()).isEqualTo(200);
    assertThat(down.body()).isEqualTo(content);
  }

  @Test
  void aLongCommandStreamsItsFirstOutputBeforeItEnds() throws Exception {
    String id = sandbox("stream");
    Path go = Files.createTempDirectory("proxy-go").resolve("go");
    // The command only finishes after the client has seen "first" (it then creates the go file),
    // then runs three more seconds with output and keepalives in between.
    String command =
        "echo first; i=0; while [ ! -f "
            + go
            + " ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done;"
            + " [ -f "
            + go
            + " ] && echo released; for t in 1 2 3; do sleep 1; echo tick$t; done";
    byte[] body = ProcessStart.request("/bin/bash", List.of("-c", command));
    HttpResponse<InputStream> resp =
        http.send(
            viaProxy(id, "/process.Process/Start")
                .header("Content-Type", "application/connect+json")
                .header("Connect-Protocol-Version", "1")
                .header("Keepalive-Ping-Interval", "1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(resp.statusCode()).isEqualTo(200);
    List<String> events = new ArrayList<>();
    StringBuilder stdout = new StringBuilder();
    try (InputStream in = resp.body()) {
      while (true) {
        ConnectEnvelope.Message msg = ConnectEnvelope.read(in);
        if (msg == null) {
          throw new EOFException("stream ended without end-stream envelope");
        }
        if (msg.isEndStream()) {
          events.add("stream-end");
          break;
        }
        JsonNode event = JSON.readTree(msg.payload()).path("event");
        String kind = event.fieldNames().hasNext() ? event.fieldNames().next() : "?";
        events.add(kind);
        String out = event.path("data").path("stdout").asText("");
        if (!out.isEmpty()) {
          String text = new String(Base64.getDecoder().decode(out), StandardCharsets.UTF_8);
          stdout.append(text);
          if (text.contains("first")) {
            Files.createFile(go);
          }
        }
      }
    }
    assertThat(stdout.toString()).isEqualTo("first\nreleased\ntick1\ntick2\ntick3\n");
    assertThat(events).contains("start", "data", "end", "stream-end");
    assertThat(events.indexOf("data")).isLessThan(events.indexOf("end"));
  }

  @Test
  void withoutTheTokenTheProxyAnswersAsForAnUnknownSandboxBeforeTheRuntime() throws Exception {
    String id = sandbox("noauth");
    HttpResponse<String> r =
        http.send(
            withoutToken(id, "/files?path=x").GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(JSON.readTree(r.body()).path("message").asText())
        .isEqualTo("The sandbox was not found");
  }
}
