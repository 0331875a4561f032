package io.openkruise.agents.localcluster.node;

import io.openkruise.agents.localcluster.kube.Pki;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.logging.Logger;

/**
 * The kubelet's {@code /containerLogs/<ns>/<pod>/<container>} endpoint for the simulated node, so
 * the API server's {@code pods/log} works there: HTTPS on 127.0.0.1 (the node's InternalIP), the
 * port advertised as the Node's {@code daemonEndpoints.kubeletEndpoint}, clients only with a
 * certificate of the cluster CA (the API server presents one; a kubelet also refuses anonymous
 * reads). Serves the node's log file of the container; {@code follow} answers what is there.
 */
final class ContainerLogServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ContainerLogServer.class.getName());

  /** At most this much of a log file is read per request (a kubelet streams; we answer whole). */
  static final long MAX_READ = 8L * 1024 * 1024;

  private final Vertx vertx;
  private final HttpServer server;
  private final BiFunction<String, String, Path> logOf;
  private final Clock clock;

  private ContainerLogServer(
      Vertx vertx, HttpServer server, BiFunction<String, String, Path> logOf, Clock clock) {
    this.vertx = vertx;
    this.server = server;
    this.logOf = logOf;
    this.clock = clock;
  }

  /**
   * @param caPem the cluster CA: only its client certificates are served
   * @param logOf ({@code <ns>/<pod>}, container) to the container's log file
   */
  static ContainerLogServer start(
      Vertx vertx, String caPem, BiFunction<String, String, Path> logOf, Clock clock)
      throws Exception {
    Pki.Credentials tls = Pki.generate().servingCredentials();
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost("127.0.0.1")
            .setPort(0)
            .setSsl(true)
            .setKeyCertOptions(
                new PemKeyCertOptions()
                    .setCertValue(Buffer.buffer(tls.certPem()))
                    .setKeyValue(Buffer.buffer(tls.keyPem())))
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(caPem)))
            .setClientAuth(ClientAuth.REQUIRED);
    HttpServer server = vertx.createHttpServer(options);
    ContainerLogServer logs = new ContainerLogServer(vertx, server, logOf, clock);
    server.requestHandler(logs::handle);
    server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return logs;
  }

  /** The port to advertise as the Node's kubelet endpoint. */
  int port() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    String[] parts = req.path().split("/");
    // "", "containerLogs", ns, pod, container
    if (parts.length != 5 || !"containerLogs".equals(parts[1])) {
      req.response().setStatusCode(404).end("not found: " + req.path() + "\n");
      return;
    }
    Map<String, String> params = new HashMap<>();
    req.params().forEach(e -> params.putIfAbsent(e.getKey(), e.getValue()));
    ContainerLogQuery query;
    try {
      query = ContainerLogQuery.parse(params, clock.instant());
    } catch (IllegalArgumentException e) {
      req.response().setStatusCode(400).end(e.getMessage() + "\n");
      return;
    }
    Path log = logOf.apply(parts[2] + "/" + parts[3], parts[4]);
    vertx
        .executeBlocking(() -> read(log, query), false)
        .onComplete(
            ar -> {
              if (ar.failed() && ar.cause() instanceof NoSuchFileException) {
                req.response()
                    .setStatusCode(404)
                    .end("container " + parts[4] + " of " + parts[3] + " has no log\n");
              } else if (ar.failed()) {
                LOG.warning("cannot read " + log + ": " + ar.cause());
                req.response().setStatusCode(500).end("cannot read the log\n");
              } else {
                req.response()
                    .putHeader("Content-Type", "text/plain")
                    .end(Buffer.buffer(ar.result()));
              }
            });
  }

  private static byte[] read(Path log, ContainerLogQuery query) throws IOException {
    Instant modified = Files.getLastModifiedTime(log).toInstant();
    String content;
    try (var in = Files.newInputStream(log)) {
      long size = Files.size(log);
      if (size > MAX_READ) {
        in.skipNBytes(size - MAX_READ); // the newest part: what tails and pages start from
      }
      content = new String(in.readNBytes((int) Math.min(size, MAX_READ)), StandardCharsets.UTF_8);
    }
    return query.answer(ContainerLogQuery.lines(content, modified));
  }

  @Override
  public void close() {
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.fine("log server did not close: " + e);
    }
  }
}
