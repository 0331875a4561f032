package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.manager.support.LoopbackServers;
import io.openkruise.agents.testing.tier.UnitTier;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A caller that leaves after its answer has come must not take down the pooled connection that the
 * sandbox's next request is already using (seen with the Python SDK: a file read right after an
 * upload failed with "Connection was closed" and a 502).
 */
@UnitTier
class CallerGoneTest {

  @RegisterExtension static final LoopbackServers servers = new LoopbackServers();
  static HttpServer backend;
  static final CompletableFuture<HttpServerRequest> held = new CompletableFuture<>();
  HttpClient pool;

  @BeforeAll
  static void startBackend() throws Exception {
    backend = servers.start("127.0.0.1", 0, CallerGoneTest::serve);
  }

  /** "/first" is answered at once, "/held" when the test says, anything else never. */
  private static void serve(HttpServerRequest req) {
    switch (req.path()) {
      case "/first" -> req.response().end("first");
      case "/held" -> held.complete(req);
      default -> {}
    }
  }

  @AfterEach
  void closePool() {
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void aCallerLeavingAfterItsAnswerDoesNotCloseTheConnectionItsSuccessorUses() throws Exception {
    // One connection, as the proxy's per-sandbox pool hands it from request to request.
    pool =
        servers
            .vertx()
            .createHttpClient(
                new HttpClientOptions()
                    .setKeepAlive(true)
                    .setDefaultHost("127.0.0.1")
                    .setDefaultPort(backend.actualPort()),
                new io.vertx.core.http.PoolOptions().setHttp1MaxSize(1));
    ProxyTarget first = new ProxyTarget("sbx", "native");
    Future<Buffer> firstBody =
        pool.request(HttpMethod.GET, "/first")
            .compose(
                req -> {
                  first.origin = req;
                  return bodyOf(req);
                });
    assertThat(await(firstBody).toString()).isEqualTo("first");

    // The successor is on the same connection, waiting for its answer, when the first caller goes.
    Future<Buffer> answer = pool.request(HttpMethod.GET, "/held").compose(CallerGoneTest::bodyOf);
    HttpServerRequest atBackend = held.get(10, TimeUnit.SECONDS);
    servers.vertx().runOnContext(v -> first.callerGone());
    Thread.sleep(200);
    servers.vertx().runOnContext(v -> atBackend.response().end("second"));

    assertThat(await(answer).toString()).isEqualTo("second");
  }

  @Test
  void aCallerLeavingBeforeTheAnswerResetsItsRequest() throws Exception {
    pool =
        servers
            .vertx()
            .createHttpClient(
                new HttpClientOptions()
                    .setDefaultHost("127.0.0.1")
                    .setDefaultPort(backend.actualPort()));
    ProxyTarget t = new ProxyTarget("sbx", "native");
    t.origin = await(pool.request(HttpMethod.GET, "/never"));
    t.origin.setChunked(true).write("open");
    servers.vertx().runOnContext(v -> t.callerGone());

    assertThat(t.origin.response().toCompletionStage().toCompletableFuture())
        .failsWithin(10, TimeUnit.SECONDS);
    assertThat(t.callerGone).isTrue();
  }

  /**
   * Sends and reads the body in callbacks on the connection's event loop: a body handler attached
   * later, from the test thread, can miss a body that has already come, and never complete.
   */
  private static Future<Buffer> bodyOf(HttpClientRequest req) {
    return req.send().compose(HttpClientResponse::body);
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
