package io.openkruise.agents.envd.init;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a loopback HTTP server standing in for the runtime. */
@io.openkruise.agents.testing.tier.UnitTier
class InitClientTest {

  private HttpServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile ToIntFunction<String> envsStatus = token -> 200;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/init",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          seen.add(
              ex.getRequestHeaders().getFirst("X-Kruise-Bootstrap-Token")
                  + "|"
                  + ex.getRequestHeaders().getFirst("X-Access-Token")
                  + "|"
                  + body);
          int code = failuresLeft.getAndDecrement() > 0 ? 503 : 204;
          ex.sendResponseHeaders(code, -1);
          ex.close();
        });
    server.createContext(
        "/envs",
        ex -> {
          String token = ex.getRequestHeaders().getFirst("X-Access-Token");
          ex.sendResponseHeaders(envsStatus.applyAsInt(token), -1);
          ex.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private InitClient client(int attempts) {
    return new InitClient(
        attempts, Duration.ofMillis(1), Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  @Test
  void sendsTokensAndEnvVars() {
    var result =
        client(1).init(new InitClient.Request(base(), "boot", Map.of("A", "1"), "new", "old"));
    assertThat(result).isEmpty();
    assertThat(seen)
        .containsExactly("boot|old|{\"envVars\":{\"A\":\"1\"},\"accessToken\":\"new\"}");
  }

  @Test
  void leavesOutWhatIsNotGiven() {
    assertThat(client(1).init(new InitClient.Request(base(), null, Map.of(), null, ""))).isEmpty();
    assertThat(seen).containsExactly("null|null|{\"envVars\":null}");
  }

  @Test
  void retriesThenReportsTheLastFailure() {
    failuresLeft.set(1);
    assertThat(client(2).init(new InitClient.Request(base(), "b", null, null, null))).isEmpty();
    assertThat(seen).hasSize(2);

    failuresLeft.set(5);
    seen.clear();
    assertThat(client(3).init(new InitClient.Request(base(), "b", null, null, null)))
        .hasValueSatisfying(reason -> assertThat(reason).startsWith("HTTP 503 from " + base()));
    assertThat(seen).hasSize(3);
  }

  @Test
  void probeTellsOpenFromClosedFromSilent() {
    envsStatus = token -> "tok".equals(token) ? 200 : 401;
    assertThat(client(1).probe(base(), "tok")).isEqualTo(InitClient.InitState.INITIALISED);
    assertThat(client(1).probe(base(), null)).isEqualTo(InitClient.InitState.NOT_INITIALISED);
    envsStatus = token -> 500;
    assertThat(client(1).probe(base(), "tok")).isEqualTo(InitClient.InitState.UNREACHABLE);
    // Port 1 on loopback: nothing listens, the connection is refused.
    assertThat(client(1).probe("http://127.0.0.1:1", "tok"))
        .isEqualTo(InitClient.InitState.UNREACHABLE);
  }
}
