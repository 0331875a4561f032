package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.runtime.AgentRuntime;
import io.openkruise.agents.runtime.RuntimeOptions;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real agent-runtime (envd only) for the proxy tests, initialised as a claimed sandbox's. */
final class SecuredRuntime {
  private SecuredRuntime() {}

  /**
   * Starts the runtime on {@code ip}:49983 with its sandbox under {@code root}; {@link #init} then
   * makes it a claimed sandbox's.
   */
  static void start(Vertx vertx, String ip, Path root) throws Exception {
    AgentRuntime.start(
            vertx,
            RuntimeOptions.builder()
                .host(ip)
                .rootDir(root)
                .envdPort(49983)
                .codeInterpreter(false)
                .codeInterpreterPort(0)
                // The proxy is under test here; the runtime's own bootstrap gate is not.
                .unauthenticated(true)
                .build())
        .toCompletionStage()
        .toCompletableFuture()
        .get(20, TimeUnit.SECONDS);
  }

  /**
   * Sends the {@code /init} the manager sends after a claim, so the runtime enforces {@code token}
   * (the sandbox's derived envd access token) too.
   */
  static void init(String ip, String token) throws Exception {
    HttpResponse<String> init =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + ip + ":49983/init"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString("{\"accessToken\":\"" + token + "\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(init.statusCode()).isBetween(200, 204);
  }
}
