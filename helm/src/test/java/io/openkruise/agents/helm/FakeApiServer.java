package io.openkruise.agents.helm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Just enough of a Kubernetes API for the chart's {@code lookup} of its admin-key Secret.
 *
 * <p>helm-java's template runs Helm's install with dry-run "none", so {@code lookup} calls the API
 * server (the helm CLI's {@code template} would not). KUBECONFIG (set by surefire) points here; it
 * also lets a test play "upgrade over an existing Secret".
 */
final class FakeApiServer {

  private static FakeApiServer instance;

  /** {@code namespace/name} → Secret JSON. */
  final Map<String, String> secrets = new ConcurrentHashMap<>();

  private FakeApiServer() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
    String kubeconfig =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster: {server: "http://127.0.0.1:%d"}
        users:
        - name: fake
          user: {}
        contexts:
        - name: fake
          context: {cluster: fake, user: fake}
        current-context: fake
        """
            .formatted(server.getAddress().getPort());
    Path path = Path.of(System.getenv().getOrDefault("KUBECONFIG", "target/fake-kubeconfig"));
    Files.createDirectories(path.toAbsolutePath().getParent());
    Files.writeString(path, kubeconfig);
  }

  static synchronized FakeApiServer get() {
    if (instance == null) {
      try {
        instance = new FakeApiServer();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return instance;
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String[] p = path.split("/");
    if (path.equals("/api/v1")) {
      reply(
          ex,
          200,
          """
          {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
          {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret",
           "verbs":["get","list"]}]}""");
    } else if (p.length == 7 && p[3].equals("namespaces") && p[5].equals("secrets")) {
      String secret = secrets.get(p[4] + "/" + p[6]);
      if (secret != null) {
        reply(ex, 200, secret);
      } else {
        notFound(ex);
      }
    } else {
      notFound(ex);
    }
  }

  private static void notFound(HttpExchange ex) throws IOException {
    reply(
        ex,
        404,
        """
        {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}""");
  }

  private static void reply(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }
}
