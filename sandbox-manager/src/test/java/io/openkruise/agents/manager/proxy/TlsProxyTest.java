package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.manager.support.ConfigProfile;
import io.openkruise.agents.manager.support.Fixtures;
import io.openkruise.agents.manager.support.LoopbackServers;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The one port served over TLS only (as {@code TLS=1 bin/run-local} does): API and every proxy mode
 * work over HTTPS with HTTP/2 and HTTP/1.1, native host routing under a wildcard certificate (SNI),
 * WebSocket tunnels, and request bodies of unknown length, which HTTP/2 clients (the Python SDK's
 * envd client) always send. Plain HTTP gets no answer.
 */
@QuarkusTest
@WithKubernetesTestServer
@TestProfile(TlsProxyTest.Tls.class)
@io.openkruise.agents.testing.tier.MockTier
class TlsProxyTest {

  /** Certificate for sandboxes.test, *.sandboxes.test, localhost, 127.0.0.1 (test CA). */
  public static class Tls extends ConfigProfile {
    public Tls() {
      super(
          Map.of(
              "quarkus.http.ssl.certificate.key-store-file", "tls/server.p12",
              "quarkus.http.ssl.certificate.key-store-password", "kruise-test",
              "quarkus.http.insecure-requests", "disabled",
              "quarkus.http.test-ssl-port", "0",
              "kruise.e2b.domain", "sandboxes.test"));
    }
  }

  static final String NS = "tls";
  @RegisterExtension static final LoopbackServers servers = new LoopbackServers();
  static HttpServer backend;
  static int port;

  @Inject KubernetesClient client;

  @TestHTTPResource(value = "/", tls = true)
  URL https;

  @BeforeAll
  static void startBackend() throws Exception {
    backend = servers.start("127.0.0.1", 0, RequestEcho.handler());
    port = backend.actualPort();
  }

  private String running(String name) {
    return Fixtures.id(
        client.resource(Fixtures.claimed(NS, name, "tpl-tls", "owner-1", "127.0.0.1")).create());
  }

  /** An HTTPS client that trusts only the test CA and checks host names (SNI on). */
  private static HttpClient client(HttpVersion version) {
    return servers
        .vertx()
        .createHttpClient(
            new HttpClientOptions()
                .setSsl(true)
                .setUseAlpn(true)
                .setForceSni(true)
                .setVerifyHost(true)
                .setProtocolVersion(version)
                .setTrustOptions(new PemTrustOptions().addCertPath(caPath())));
  }

  private static String caPath() {
    URL ca = TlsProxyTest.class.getClassLoader().getResource("tls/ca.crt");
    return ca.getPath();
  }

  /**
   * Sends {@code chunks} as a body of unknown length (chunked on HTTP/1.1, DATA frames without
   * content-length on HTTP/2) to {@code host} (the TLS name and Host header) on the TLS port.
   */
  private JsonObject send(
      HttpVersion version, String host, Map<String, String> headers, String path, String... chunks)
      throws Exception {
    HttpClient http = client(version);
    try {
      Future<JsonObject> answer =
          http.request(
                  new RequestOptions()
                      .setServer(SocketAddress.inetSocketAddress(https.getPort(), "127.0.0.1"))
                      .setHost(host)
                      .setPort(https.getPort())
                      .setMethod(HttpMethod.POST)
                      .setURI(path))
              .compose(
                  req -> {
                    headers.forEach(req::putHeader);
                    req.setChunked(true);
                    for (String c : chunks) {
                      req.write(c);
                    }
                    req.end();
                    return req.response()
                        .compose(
                            resp -> {
                              assertThat(resp.version()).isEqualTo(version);
                              return resp.body().map(b -> status(resp, b));
                            });
                  });
      return answer.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      http.close();
    }
  }

  private static JsonObject status(HttpClientResponse resp, Buffer b) {
    JsonObject body = new JsonObject(b);
    return body.put("status", resp.statusCode());
  }

  @Test
  void streamedBodiesReachTheSandboxOverHttp2AndHttp1() throws Exception {
    String id = running("bodies");
    Map<String, String> routing =
        Map.of("E2b-Sandbox-Id", id, "E2b-Sandbox-Port", String.valueOf(port));
    for (HttpVersion v : new HttpVersion[] {HttpVersion.HTTP_2, HttpVersion.HTTP_1_1}) {
      JsonObject r = send(v, "localhost", routing, "/process.Process/Start", "{\"a\":", "1}");
      assertThat(r.getInteger("status")).as("%s", v).isEqualTo(200);
      assertThat(r.getString("body")).as("%s", v).isEqualTo("{\"a\":1}");
      assertThat(r.getString("uri")).isEqualTo("/process.Process/Start");
      assertThat(r.getString("xfp")).isEqualTo("https");
    }
  }

  @Test
  void nativeHostRoutingWorksUnderTheWildcardCertificate() throws Exception {
    String id = running("native");
    String host = port + "-" + id + ".sandboxes.test";
    for (HttpVersion v : new HttpVersion[] {HttpVersion.HTTP_2, HttpVersion.HTTP_1_1}) {
      JsonObject r = send(v, host, Map.of(), "/files?path=x", "payload");
      assertThat(r.getInteger("status")).as("%s", v).isEqualTo(200);
      assertThat(r.getString("uri")).isEqualTo("/files?path=x");
      assertThat(r.getString("body")).isEqualTo("payload");
      assertThat(r.getString("xfh")).startsWith(host);
    }
    // The API on api.<domain>, over HTTP/2.
    HttpClient http = client(HttpVersion.HTTP_2);
    try {
      int status =
          http.request(
                  new RequestOptions()
                      .setServer(SocketAddress.inetSocketAddress(https.getPort(), "127.0.0.1"))
                      .setHost("api.sandboxes.test")
                      .setPort(https.getPort())
                      .setURI("/health"))
              .compose(req -> req.send().map(HttpClientResponse::statusCode))
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      assertThat(status).isEqualTo(200);
    } finally {
      http.close();
    }
  }

  @Test
  void webSocketsAreTunnelledOverTls() throws Exception {
    String id = running("ws");
    // To 127.0.0.1 (an IP SAN) on the private path: what is tested is the tunnel under TLS.
    HttpClient http = client(HttpVersion.HTTP_1_1);
    try {
      assertThat(
              WebSocketEcho.roundTrip(
                  http,
                  new WebSocketConnectOptions()
                      .setHost("127.0.0.1")
                      .setPort(https.getPort())
                      .setSsl(true)
                      .setURI("/kruise/" + id + "/" + port + "/ws"),
                  "hello"))
          .isEqualTo("echo:/ws:hello");
    } finally {
      http.close();
    }
  }

  @Test
  void plainHttpOnTheTlsPortGetsNoHttpAnswer() throws IOException {
    try (Socket s = new Socket("127.0.0.1", https.getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write(
              "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64];
      int n;
      try {
        n = in.read(buf);
      } catch (IOException closed) {
        n = -1;
      }
      String answer = n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
      assertThat(answer).doesNotStartWith("HTTP/");
    }
  }
}
