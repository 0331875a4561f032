package io.openkruise.agents.manager.support;

import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A loopback stand-in for a sandbox runtime: records {@code /init} calls and answers the CSI mount
 * helper's {@code process.Process/Start} with a chosen exit code. Either opened by {@code new} and
 * closed by the caller, or one per test class: {@code @RegisterExtension static final FakeRuntime
 * runtime = FakeRuntime.perClass();}.
 */
public final class FakeRuntime implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

  public record Call(String path, String accessTokenHeader, String body, String bootstrapHeader) {}

  private final Vertx vertx = Vertx.vertx();
  private static final int PORT = 49983;
  private static final java.util.Random RANDOM = new java.security.SecureRandom();
  private volatile HttpServer server;
  private volatile String ip;
  public final List<Call> calls = new CopyOnWriteArrayList<>();
  public volatile int initStatus = 200;
  public volatile int mountExitCode = 0;

  public FakeRuntime() throws Exception {
    bind();
  }

  private FakeRuntime(boolean unbound) {}

  /** A runtime that listens from before the test class's first test until after its last. */
  public static FakeRuntime perClass() {
    return new FakeRuntime(true);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    bind();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  private void bind() throws Exception {
    HttpServer bound = null;
    String at = null;
    // The manager dials only status.sandboxIp on the runtime port (49983): take a loopback
    // address of our own, as a pod IP, and move on when another test holds it.
    for (int attempt = 0; bound == null; attempt++) {
      at =
          "127."
              + (200 + RANDOM.nextInt(50))
              + "."
              + RANDOM.nextInt(256)
              + "."
              + (1 + RANDOM.nextInt(254));
      try {
        bound = listen(at);
      } catch (Exception e) {
        if (attempt > 20) {
          throw e;
        }
      }
    }
    server = bound;
    ip = at;
  }

  private HttpServer listen(String at) throws Exception {
    return vertx
        .createHttpServer()
        .requestHandler(
            req ->
                req.body()
                    .onSuccess(
                        body -> {
                          calls.add(
                              new Call(
                                  req.path(),
                                  req.getHeader("X-Access-Token"),
                                  body.toString(),
                                  req.getHeader("X-Kruise-Bootstrap-Token")));
                          if (req.path().equals("/init")) {
                            req.response().setStatusCode(initStatus).end();
                          } else if (req.path().equals("/process.Process/Start")) {
                            req.response()
                                .putHeader("Content-Type", "application/connect+json")
                                .end(processStream(mountExitCode));
                          } else {
                            req.response().setStatusCode(404).end();
                          }
                        }))
        .listen(PORT, at)
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  /** The runtime's address, as the Sandbox's {@code status.sandboxIp}. */
  public String ip() {
    return ip;
  }

  public String url() {
    return "http://" + ip + ":" + server.actualPort();
  }

  public List<Call> calls(String path) {
    return calls.stream().filter(c -> c.path().equals(path)).toList();
  }

  private static Buffer processStream(int exit) {
    Buffer b = Buffer.buffer();
    frame(
        b,
        0,
        new JsonObject()
            .put("event", new JsonObject().put("start", new JsonObject().put("pid", 7))));
    if (exit != 0) {
      frame(
          b,
          0,
          new JsonObject()
              .put(
                  "event",
                  new JsonObject()
                      .put("data", new JsonObject().put("stderr", "bW91bnQgZmFpbGVk"))));
    }
    frame(
        b,
        0,
        new JsonObject()
            .put(
                "event",
                new JsonObject()
                    .put("end", new JsonObject().put("exitCode", exit).put("exited", true))));
    frame(b, 2, new JsonObject());
    return b;
  }

  private static void frame(Buffer b, int flags, JsonObject msg) {
    b.appendBytes(ConnectEnvelope.encode(flags, msg.encode().getBytes()));
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Backends.stop(vertx);
  }
}
