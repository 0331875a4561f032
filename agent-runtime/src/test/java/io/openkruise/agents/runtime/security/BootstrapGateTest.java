package io.openkruise.agents.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.envd.init.InitClient;
import io.openkruise.agents.runtime.TestRuntime;
import io.vertx.core.Vertx;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The attacker on the pod network: a pool member's runtime, started with a bootstrap token, must
 * refuse every request without it on every port it serves (until {@code /init} with it), and after
 * init the envd access token governs; the bootstrap token is no master key afterwards.
 */
@io.openkruise.agents.testing.tier.UnitTier
class BootstrapGateTest {
  static final String BOOTSTRAP = "b00t-secret-from-the-control-plane";
  TestRuntime rt;

  @AfterEach
  void stop() throws Exception {
    if (rt != null) {
      rt.close();
    }
  }

  private TestRuntime closedRuntime() throws Exception {
    return TestRuntime.start(
        Vertx.vertx(),
        true,
        b -> b.codeInterpreter(true).unauthenticated(false).bootstrapToken(BOOTSTRAP));
  }

  private HttpResponse<String> init(String body) throws Exception {
    return rt.post(rt.envdUrl("/init"), "application/json", body.getBytes());
  }

  /** Every envd and code-interpreter route a stranger could try, each refused with 401. */
  private void assertEverythingRefused() throws Exception {
    assertThat(init("{\"accessToken\":\"attacker\"}").statusCode()).isEqualTo(401);
    TestRuntime.Response start = rt.unary("process.Process/List", "{}");
    assertThat(start.status()).isEqualTo(401);
    assertThat(start.body().path("code").asText()).isEqualTo("unauthenticated");
    try (TestRuntime.Stream s = rt.startProcess("id", java.util.Map.of())) {
      assertThat(s.status()).isEqualTo(401);
    }
    HttpResponse<String> files = rt.get(rt.envdUrl("/files?path=/etc/hostname"));
    assertThat(files.statusCode()).isEqualTo(401);
    assertThat(TestRuntime.JSON.readTree(files.body()).path("code").asInt()).isEqualTo(401);
    assertThat(rt.post(rt.envdUrl("/files?path=x"), "application/octet-stream", new byte[1]))
        .extracting(HttpResponse::statusCode)
        .isEqualTo(401);
    for (String path : List.of("/metrics", "/envs", "/nowhere")) {
      assertThat(rt.get(rt.envdUrl(path)).statusCode()).as(path).isEqualTo(401);
    }
    assertThat(rt.get(rt.ciUrl("/contexts")).statusCode()).isEqualTo(401);
    assertThat(rt.ciPost("/contexts", "{}")).extracting(HttpResponse::statusCode).isEqualTo(401);
    assertThat(rt.ciPost("/execute", "{\"code\":\"1\"}").statusCode()).isEqualTo(401);
    assertThat(rt.delete(rt.ciUrl("/contexts/x")).statusCode()).isEqualTo(401);
    assertThat(
            rt.post(rt.ciUrl("/contexts/x/restart"), "application/json", new byte[0]).statusCode())
        .isEqualTo(401);
  }

  @Test
  void strangerGetsNothingBeforeInitButHealth() throws Exception {
    rt = closedRuntime();
    assertEverythingRefused();
    rt.bootstrap = "wrong-" + BOOTSTRAP;
    assertEverythingRefused();
    rt.bootstrap = null;
    // Probes cannot carry secrets: health stays open and says nothing else.
    HttpResponse<String> health = rt.get(rt.envdUrl("/health"));
    assertThat(health.statusCode()).isEqualTo(204);
    assertThat(health.body()).isEmpty();
    assertThat(rt.get(rt.ciUrl("/health")).statusCode()).isEqualTo(200);
  }

  @Test
  void theControlPlaneOpensItAndThenTheAccessTokenGoverns() throws Exception {
    rt = closedRuntime();
    rt.bootstrap = BOOTSTRAP;
    // The control plane may use the runtime before init (for example the CSI mount helper).
    assertThat(rt.unary("process.Process/List", "{}").status()).isEqualTo(200);
    assertThat(init("{\"accessToken\":\"tenant-token\"}").statusCode()).isEqualTo(204);

    // After init the bootstrap token is no master key: the access token governs every port.
    assertThat(rt.unary("process.Process/List", "{}").status()).isEqualTo(401);
    assertThat(rt.get(rt.ciUrl("/contexts")).statusCode()).isEqualTo(401);
    rt.bootstrap = null;
    rt.token = "tenant-token";
    assertThat(rt.unary("process.Process/List", "{}").status()).isEqualTo(200);
    assertThat(rt.get(rt.ciUrl("/contexts")).statusCode()).isEqualTo(200);

    // Re-init: a stranger cannot take the sandbox over, the current token or the bootstrap can.
    rt.token = null;
    assertThat(init("{\"accessToken\":\"attacker\"}").statusCode()).isEqualTo(401);
    rt.token = "tenant-token";
    assertThat(init("{\"accessToken\":\"tenant-token-2\"}").statusCode()).isEqualTo(204);
    rt.token = null;
    rt.bootstrap = BOOTSTRAP;
    assertThat(init("{\"accessToken\":\"tenant-token-3\"}").statusCode()).isEqualTo(204);
    rt.bootstrap = null;
    rt.token = "tenant-token-3";
    assertThat(rt.unary("process.Process/List", "{}").status()).isEqualTo(200);
  }

  @Test
  void aNonSecureSandboxIsOpenAfterInitAsInE2b() throws Exception {
    rt = closedRuntime();
    rt.bootstrap = BOOTSTRAP;
    assertThat(init("{\"envVars\":{\"A\":\"1\"}}").statusCode()).isEqualTo(204);
    rt.bootstrap = null;
    assertThat(rt.unary("process.Process/List", "{}").status()).isEqualTo(200);
    // Re-init still needs the bootstrap token: no access token to present instead.
    assertThat(init("{\"accessToken\":\"attacker\"}").statusCode()).isEqualTo(401);
  }

  @Test
  void withoutABootstrapTokenOrTheOptOutItStaysClosed() throws Exception {
    rt =
        TestRuntime.start(Vertx.vertx(), true, b -> b.codeInterpreter(true).unauthenticated(false));
    assertEverythingRefused();
    rt.bootstrap = "anything";
    assertEverythingRefused();
    assertThat(rt.get(rt.envdUrl("/health")).statusCode()).isEqualTo(204);
  }

  /** The controller's question for a claim its manager never finished: did /init run? */
  @Test
  void theInitProbeSeesWhetherInitRan() throws Exception {
    InitClient probe =
        new InitClient(1, Duration.ofMillis(1), Duration.ofSeconds(5), Duration.ofSeconds(10));
    rt = closedRuntime();
    String base = rt.envdUrl("");
    assertThat(probe.probe(base, null)).isEqualTo(InitClient.InitState.NOT_INITIALISED);
    assertThat(probe.probe(base, "tenant-token")).isEqualTo(InitClient.InitState.NOT_INITIALISED);
    rt.bootstrap = BOOTSTRAP;
    assertThat(init("{\"accessToken\":\"tenant-token\"}").statusCode()).isEqualTo(204);
    assertThat(probe.probe(base, "tenant-token")).isEqualTo(InitClient.InitState.INITIALISED);
    assertThat(probe.probe(base, "other")).isEqualTo(InitClient.InitState.NOT_INITIALISED);
    rt.close();

    rt = closedRuntime();
    rt.bootstrap = BOOTSTRAP;
    assertThat(init("{\"envVars\":{\"A\":\"1\"}}").statusCode()).isEqualTo(204);
    assertThat(probe.probe(rt.envdUrl(""), null)).isEqualTo(InitClient.InitState.INITIALISED);
  }
}
