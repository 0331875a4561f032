package io.openkruise.agents.runtime.envd;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.envd.AccessSignatures;
import io.openkruise.agents.runtime.TestRuntime;
import io.openkruise.agents.runtime.TestRuntime.Frame;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** /health, /init, /metrics, /envs and access-token enforcement. */
@io.openkruise.agents.testing.tier.UnitTier
class EnvdAuthTest {
  @RegisterExtension final TestRuntime rt = TestRuntime.perTest(b -> {});

  HttpResponse<String> init(String body, String header) throws Exception {
    var b =
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(rt.envdUrl("/init")))
            .header("Content-Type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
    if (header != null) {
      b.header("X-Access-Token", header);
    }
    return rt.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void tokenIsEnforcedEverywhereButHealth() throws Exception {
    assertThat(rt.get(rt.envdUrl("/health")).statusCode()).isEqualTo(204);
    assertThat(rt.unary("process.Process/List", "{}").status()).isEqualTo(200);

    assertThat(init("{\"accessToken\":\"secret\",\"envVars\":{\"A\":\"1\"}}", null).statusCode())
        .isEqualTo(204);

    assertThat(rt.get(rt.envdUrl("/health")).statusCode()).isEqualTo(204);
    TestRuntime.Response r = rt.unary("process.Process/List", "{}");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.body().path("code").asText()).isEqualTo("unauthenticated");
    HttpResponse<String> f = rt.get(rt.envdUrl("/files?path=/etc/hostname"));
    assertThat(f.statusCode()).isEqualTo(401);
    assertThat(TestRuntime.JSON.readTree(f.body()).path("code").asInt()).isEqualTo(401);
    assertThat(rt.get(rt.envdUrl("/metrics")).statusCode()).isEqualTo(401);

    rt.token = "wrong";
    assertThat(rt.unary("process.Process/List", "{}").status()).isEqualTo(401);
    rt.token = "secret";
    assertThat(rt.unary("process.Process/List", "{}").status()).isEqualTo(200);
    HttpResponse<String> metrics = rt.get(rt.envdUrl("/metrics"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(TestRuntime.JSON.readTree(metrics.body()).has("cpu_count")).isTrue();
    assertThat(TestRuntime.JSON.readTree(rt.get(rt.envdUrl("/envs")).body()).path("A").asText())
        .isEqualTo("1");
  }

  @Test
  void initEnvVarsReachProcessesAndLaterInitReplaces() throws Exception {
    init("{\"envVars\":{\"GREETING\":\"one\"},\"accessToken\":\"t1\"}", null);
    rt.token = "t1";
    assertThat(run("echo $GREETING")).isEqualTo("one\n");

    // Same token without header: an idempotent retry is accepted.
    assertThat(
            init("{\"envVars\":{\"GREETING\":\"two\"},\"accessToken\":\"t1\"}", null).statusCode())
        .isEqualTo(204);
    assertThat(run("echo $GREETING")).isEqualTo("two\n");

    // Changing the token needs the current one.
    assertThat(init("{\"accessToken\":\"t2\"}", null).statusCode()).isEqualTo(401);
    assertThat(init("{\"accessToken\":\"t2\",\"defaultWorkdir\":\"/work\"}", "t1").statusCode())
        .isEqualTo(204);
    rt.token = "t2";
    Files.createDirectories(rt.root.resolve("work"));
    assertThat(run("pwd")).isEqualTo(rt.root.resolve("work").toRealPath() + "\n");
    assertThat(init("not json", "t2").statusCode()).isEqualTo(400);
  }

  @Test
  void filesAcceptASignatureInsteadOfTheHeader() throws Exception {
    init("{\"accessToken\":\"sig-token\"}", null);
    Files.writeString(rt.root.resolve("home/user/s.txt"), "signed");
    String sig =
        java.net.URLEncoder.encode(
            AccessSignatures.sign("/home/user/s.txt", "read", null, "sig-token", null),
            java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> r = rt.get(rt.envdUrl("/files?path=/home/user/s.txt&signature=" + sig));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("signed");
    String bad =
        java.net.URLEncoder.encode(
            AccessSignatures.sign("/home/user/s.txt", "write", null, "sig-token", null),
            java.nio.charset.StandardCharsets.UTF_8);
    assertThat(rt.get(rt.envdUrl("/files?path=/home/user/s.txt&signature=" + bad)).statusCode())
        .isEqualTo(401);
    long expired = System.currentTimeMillis() / 1000 - 10;
    String old =
        java.net.URLEncoder.encode(
            AccessSignatures.sign("/home/user/s.txt", "read", null, "sig-token", expired),
            java.nio.charset.StandardCharsets.UTF_8);
    assertThat(
            rt.get(
                    rt.envdUrl(
                        "/files?path=/home/user/s.txt&signature="
                            + old
                            + "&signature_expiration="
                            + expired))
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void unknownRouteIs404Json() throws Exception {
    HttpResponse<String> r = rt.get(rt.envdUrl("/nope"));
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(TestRuntime.JSON.readTree(r.body()).path("code").asInt()).isEqualTo(404);
  }

  private String run(String cmd) throws Exception {
    try (var s = rt.startProcess(cmd, Map.of())) {
      List<Frame> frames = s.rest();
      StringBuilder sb = new StringBuilder();
      for (Frame f : frames) {
        var d = f.message().path("event").path("data");
        if (d.has("stdout")) {
          sb.append(new String(java.util.Base64.getDecoder().decode(d.get("stdout").asText())));
        }
      }
      return sb.toString();
    }
  }
}
