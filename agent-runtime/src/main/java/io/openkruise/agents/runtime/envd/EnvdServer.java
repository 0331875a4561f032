package io.openkruise.agents.runtime.envd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.envd.AccessSignatures;
import io.openkruise.agents.runtime.connect.ConnectCode;
import io.openkruise.agents.runtime.connect.ConnectException;
import io.openkruise.agents.runtime.connect.ConnectRouter;
import io.openkruise.agents.runtime.connect.Json;
import io.openkruise.agents.runtime.files.FilesHandler;
import io.openkruise.agents.runtime.http.HttpErrors;
import io.openkruise.agents.runtime.init.InitState;
import io.openkruise.agents.runtime.metrics.MetricsEndpoint;
import io.openkruise.agents.runtime.metrics.MetricsSampler;
import io.openkruise.agents.runtime.metrics.SampleMath;
import io.openkruise.agents.runtime.metrics.UsageReader;
import io.openkruise.agents.runtime.paths.SandboxPaths;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;

/**
 * The envd HTTP surface: {@code /health}, {@code /metrics}, {@code /init}, {@code /envs}, {@code
 * /files} and the Connect services, behind access-token auth.
 */
public final class EnvdServer {
  private final Vertx vertx;
  private final InitState init;
  private final SandboxPaths paths;
  private final ConnectRouter rpc;
  private final FilesHandler files;
  private final BootstrapGate gate;
  private final long maxSignatureLifetimeSeconds;
  private final int maxInitBytes = 1 << 20;
  private final MetricsSampler sampler;
  private final UsageReader reader;
  private HttpServer server;

  public EnvdServer(
      Vertx vertx,
      InitState init,
      SandboxPaths paths,
      ConnectRouter rpc,
      FilesHandler files,
      BootstrapGate gate,
      long maxSignatureLifetimeSeconds,
      MetricsSampler sampler,
      UsageReader reader) {
    this.vertx = vertx;
    this.init = init;
    this.paths = paths;
    this.rpc = rpc;
    this.files = files;
    this.gate = gate;
    this.maxSignatureLifetimeSeconds = maxSignatureLifetimeSeconds;
    this.sampler = sampler;
    this.reader = reader;
  }

  /** Binds the listener; completes with the actual port. */
  public Future<Integer> listen(String host, int port) {
    HttpServerOptions opts =
        new HttpServerOptions()
            .setHost(host)
            .setPort(port)
            // gzip request bodies (octet-stream uploads with Content-Encoding: gzip).
            .setDecompressionSupported(true)
            .setReuseAddress(true);
    server = vertx.createHttpServer(opts).requestHandler(this::handle);
    return server.listen().map(HttpServer::actualPort);
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  void handle(HttpServerRequest req) {
    String path = req.path();
    if ("/health".equals(path)) {
      req.response().setStatusCode(204).end();
      return;
    }
    boolean bootstrapped = gate.admits(req.getHeader(BootstrapGate.HEADER));
    if (gate.closed() && !bootstrapped) {
      unauthorized(req, path, "missing or invalid " + BootstrapGate.HEADER);
      return;
    }
    if ("/init".equals(path) && req.method() == HttpMethod.POST) {
      init(req, bootstrapped);
      return;
    }
    boolean isFiles = "/files".equals(path);
    if (!authorized(req, isFiles)) {
      unauthorized(req, path, "missing or invalid X-Access-Token");
      return;
    }
    if (isFiles && req.method() == HttpMethod.GET) {
      files.download(req);
    } else if (isFiles && req.method() == HttpMethod.POST) {
      files.upload(req);
    } else if (rpc.owns(path)) {
      rpc.handle(req);
    } else if ("/metrics".equals(path) && req.method() == HttpMethod.GET) {
      metrics(req);
    } else if (MetricsEndpoint.SAMPLES.equals(path) && req.method() == HttpMethod.GET) {
      MetricsEndpoint.samples(req, sampler);
    } else if ("/envs".equals(path) && req.method() == HttpMethod.GET) {
      json(req, 200, Json.MAPPER.valueToTree(init.get().envVars()));
    } else {
      HttpErrors.send(req.response(), 404, "no route for " + req.method() + " " + path);
    }
  }

  private void unauthorized(HttpServerRequest req, String path, String message) {
    if (rpc.owns(path)) {
      ObjectNode body =
          ConnectRouter.errorJson(new ConnectException(ConnectCode.UNAUTHENTICATED, message));
      req.response()
          .setStatusCode(401)
          .putHeader("Content-Type", "application/json")
          .end(Json.toBuffer(body));
    } else {
      HttpErrors.send(req.response(), 401, message);
    }
  }

  private boolean authorized(HttpServerRequest req, boolean filesRoute) {
    if (init.get().accessToken() == null) {
      return true;
    }
    if (init.tokenMatches(req.getHeader("X-Access-Token"))) {
      return true;
    }
    if (filesRoute) {
      String op = req.method() == HttpMethod.GET ? AccessSignatures.READ : AccessSignatures.WRITE;
      return AccessSignatures.verify(
          req.getParam("signature"),
          req.getParam("path"),
          op,
          req.getParam("username"),
          init.get().accessToken(),
          req.getParam("signature_expiration"),
          System.currentTimeMillis() / 1000,
          maxSignatureLifetimeSeconds);
    }
    return false;
  }

  /**
   * Applies {@code POST /init}. With a bootstrap token, init needs it or, as in envd, the current
   * access token (in {@code X-Access-Token}, or the same token again in the body: an idempotent
   * retry). Without one (unauthenticated), the first init is open, as in stock envd.
   */
  private void init(HttpServerRequest req, boolean bootstrapped) {
    ConnectRouter.BodyReader.read(req, maxInitBytes)
        .onFailure(t -> HttpErrors.send(req.response(), 413, t.getMessage()))
        .onSuccess(body -> applyInit(req, body, bootstrapped));
  }

  private void applyInit(HttpServerRequest req, Buffer body, boolean bootstrapped) {
    JsonNode node;
    try {
      node = body.length() == 0 ? Json.object() : Json.MAPPER.readTree(body.getBytes());
    } catch (IOException e) {
      HttpErrors.send(req.response(), 400, "init body is not valid JSON");
      return;
    }
    if (node == null || !node.isObject()) {
      HttpErrors.send(req.response(), 400, "init body must be a JSON object");
      return;
    }
    String newToken = Json.text(node, "accessToken", null);
    String current = init.get().accessToken();
    boolean headerOk =
        current == null ? !gate.enforced() : init.tokenMatches(req.getHeader("X-Access-Token"));
    boolean sameToken =
        current != null
            && newToken != null
            && MessageDigest.isEqual(
                current.getBytes(StandardCharsets.UTF_8),
                newToken.getBytes(StandardCharsets.UTF_8));
    if (!bootstrapped && !headerOk && !sameToken) {
      HttpErrors.send(
          req.response(),
          401,
          current == null
              ? "missing or invalid " + BootstrapGate.HEADER
              : "access token already set; present X-Access-Token");
      return;
    }
    init.apply(
        Json.stringMap(node, "envVars").orElse(null),
        newToken,
        Json.text(node, "defaultUser", null),
        Json.text(node, "defaultWorkdir", null));
    if (bootstrapped) {
      gate.open();
    }
    vertx
        .executeBlocking(
            () -> {
              // The new default user's home must exist for commands that start there.
              if (!paths.isIdentity()) {
                Files.createDirectories(paths.toHostLexical(init.home()));
              }
              return null;
            },
            false)
        .onComplete(
            x -> req.response().setStatusCode(204).putHeader("Cache-Control", "no-store").end());
  }

  /** envd's current sample: the latest one taken, or one taken now before the first. */
  private void metrics(HttpServerRequest req) {
    var latest = sampler.latest();
    if (latest.isPresent()) {
      json(req, 200, latest.get().toJson());
      return;
    }
    vertx
        .executeBlocking(
            () -> SampleMath.sample(null, reader.read(), System.currentTimeMillis()), false)
        .onSuccess(m -> json(req, 200, m.toJson()))
        .onFailure(t -> HttpErrors.send(req.response(), 500, String.valueOf(t.getMessage())));
  }

  private static void json(HttpServerRequest req, int status, JsonNode body) {
    req.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Json.toBuffer(body));
  }
}
