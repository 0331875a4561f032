package io.openkruise.agents.manager.support;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One Vert.x per test class for the loopback servers that stand in for sandbox ports:
 * {@code @RegisterExtension static final LoopbackServers servers = new LoopbackServers();}, servers
 * started in the class's {@code @BeforeAll}, all closed after the class.
 */
public final class LoopbackServers implements BeforeAllCallback, AfterAllCallback {

  private volatile Vertx vertx;

  @Override
  public void beforeAll(ExtensionContext context) {
    vertx = Vertx.vertx();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Backends.stop(vertx);
    vertx = null;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Serves {@code handler} on {@code host:port} ({@code 0}: a free port) once it listens. */
  public HttpServer start(String host, int port, Handler<HttpServerRequest> handler)
      throws Exception {
    return Backends.start(vertx, host, port, handler);
  }
}
