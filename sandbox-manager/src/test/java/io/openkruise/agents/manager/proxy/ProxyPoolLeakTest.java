package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.support.ConfigProfile;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.manager.support.LoopbackServers;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.http.HttpServer;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A caller that goes away while its request waits for a backend connection must not take that
 * connection with it: with one connection per sandbox, a request queued behind a slow one whose
 * client then disconnects used to keep the pooled connection leased forever (the proxy piped a
 * request body whose end never came), and every later request to the sandbox waited for it.
 */
@QuarkusTest
@WithKubernetesTestServer
@TestProfile(ProxyPoolLeakTest.OneConnection.class)
@io.openkruise.agents.testing.tier.MockTier
class ProxyPoolLeakTest {

  public static class OneConnection extends ConfigProfile {
    public OneConnection() {
      super(Map.of("kruise.proxy.max-connections-per-sandbox", "1"));
    }
  }

  @RegisterExtension static final LoopbackServers servers = new LoopbackServers();
  static HttpServer backend;
  static final CompletableFuture<Void> slowArrived = new CompletableFuture<>();
  static final CompletableFuture<Void> releaseSlow = new CompletableFuture<>();

  @Inject KubernetesClient client;

  @TestHTTPResource("/")
  URL proxy;

  @BeforeAll
  static void startBackend() throws Exception {
    backend =
        servers.start(
            "127.0.0.1",
            0,
            req -> {
              if (req.path().equals("/slow")) {
                slowArrived.complete(null);
                releaseSlow.whenComplete(
                    (v, e) -> servers.vertx().runOnContext(x -> req.response().end("slow")));
              } else {
                req.response().setStatusCode(204).end();
              }
            });
  }

  @Test
  void aQueuedRequestWhoseCallerLeftDoesNotHoldTheConnection() throws Exception {
    Sandbox s = Fixtures.claimed("leak", "leak", "tpl-proxy", "owner-1", "127.0.0.1");
    client.resource(s).create();
    String id = Fixtures.id(s);
    String head =
        "Host: localhost\r\nE2b-Sandbox-Id: "
            + id
            + "\r\nE2b-Sandbox-Port: "
            + backend.actualPort()
            + "\r\n";
    try (Socket slow = connect()) {
      send(slow, "GET /slow HTTP/1.1\r\n" + head + "\r\n");
      slowArrived.get(30, TimeUnit.SECONDS);
      // The one backend connection is busy: this request waits for it, then its caller leaves.
      try (Socket gone = connect()) {
        send(gone, "GET /gone HTTP/1.1\r\n" + head + "\r\n");
        Thread.sleep(500);
      }
      Thread.sleep(200);
      releaseSlow.complete(null);
      assertThat(statusLine(slow)).contains(" 200");
    }
    // The connection is free again: the next request is answered (a leak leaves it waiting).
    try (Socket next = connect()) {
      next.setSoTimeout(30_000);
      send(next, "GET /next HTTP/1.1\r\n" + head + "\r\n");
      assertThat(statusLine(next)).contains(" 204");
    }
  }

  private Socket connect() throws Exception {
    Socket s = new Socket(proxy.getHost(), proxy.getPort());
    s.setSoTimeout(30_000);
    return s;
  }

  private static void send(Socket s, String request) throws Exception {
    OutputStream out = s.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static String statusLine(Socket s) throws Exception {
    InputStream in = s.getInputStream();
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      line.append((char) c);
    }
    return line.toString();
  }
}
