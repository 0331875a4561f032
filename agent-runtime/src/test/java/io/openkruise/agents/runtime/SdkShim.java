package io.openkruise.agents.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.time.Instant;

/**
 * Test-only stand-in for the control plane: just enough E2B API for the SDK to create, connect and
 * kill one sandbox, plus a header-routed forwarder (E2B_SANDBOX_URL) to the runtime's ports. The
 * real sandbox-manager replaces it.
 */
final class SdkShim {
  static final String SANDBOX_ID = "default--sdk-test";

  private final Vertx vertx;
  private final AgentRuntime runtime;
  private final String token;
  private final HttpClient client;
  private HttpServer api;
  private HttpServer data;

  SdkShim(Vertx vertx, AgentRuntime runtime, String token) {
    this.vertx = vertx;
    this.runtime = runtime;
    this.token = token;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
  }

  Future<Void> start() {
    api = vertx.createHttpServer().requestHandler(this::api);
    data = vertx.createHttpServer().requestHandler(this::forward);
    return api.listen(0, "127.0.0.1").compose(x -> data.listen(0, "127.0.0.1")).mapEmpty();
  }

  int apiPort() {
    return api.actualPort();
  }

  int dataPort() {
    return data.actualPort();
  }

  Future<Void> close() {
    return Future.join(api.close(), data.close(), client.close()).mapEmpty();
  }

  private ObjectNode sandboxJson() {
    ObjectNode s = TestRuntime.obj();
    s.put("sandboxID", SANDBOX_ID);
    s.put("templateID", "code-interpreter");
    s.put("clientID", "local");
    s.put("envdVersion", AgentRuntime.ENVD_VERSION);
    s.put("envdAccessToken", token);
    s.putNull("domain");
    return s;
  }

  private void api(HttpServerRequest req) {
    String p = req.path();
    req.body()
        .onSuccess(
            body -> {
              if (req.method() == HttpMethod.POST
                  && (p.equals("/sandboxes") || p.equals("/v2/sandboxes"))) {
                // What sandbox-manager does after a claim: init the runtime with the token.
                initRuntime()
                    .onSuccess(v -> json(req, 201, sandboxJson()))
                    .onFailure(t -> json(req, 500, error(500, t.getMessage())));
              } else if (req.method() == HttpMethod.POST && p.endsWith("/connect")) {
                json(req, 200, sandboxJson());
              } else if (req.method() == HttpMethod.DELETE && p.startsWith("/sandboxes/")) {
                req.response().setStatusCode(204).end();
              } else if (req.method() == HttpMethod.GET && p.startsWith("/sandboxes/")) {
                ObjectNode s = sandboxJson();
                s.put("startedAt", Instant.now().toString());
                s.put("endAt", Instant.now().plusSeconds(300).toString());
                s.put("cpuCount", 1);
                s.put("memoryMB", 512);
                s.put("diskSizeMB", 1024);
                s.put("state", "running");
                json(req, 200, s);
              } else {
                json(req, 404, error(404, "not found"));
              }
            });
  }

  private Future<Void> initRuntime() {
    ObjectNode body = TestRuntime.obj();
    body.put("accessToken", token);
    body.putObject("envVars").put("SDK_TEST", "1");
    return client
        .request(HttpMethod.POST, runtime.envdPort(), "127.0.0.1", "/init")
        .compose(r -> r.send(Buffer.buffer(body.toString())))
        .compose(
            r ->
                r.statusCode() == 204
                    ? Future.succeededFuture()
                    : Future.failedFuture("init answered " + r.statusCode()));
  }

  /** Routes by E2b-Sandbox-Port, falling back to the path for interpreter calls. */
  private void forward(HttpServerRequest req) {
    String portHeader = req.getHeader("E2b-Sandbox-Port");
    boolean interpreter =
        "49999".equals(portHeader)
            || (portHeader == null
                && (req.path().equals("/execute") || req.path().startsWith("/contexts")));
    int port = interpreter ? runtime.codeInterpreterPort() : runtime.envdPort();
    req.pause();
    RequestOptions opts =
        new RequestOptions()
            .setMethod(req.method())
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI(req.uri());
    req.headers()
        .forEach(
            h -> {
              if (!h.getKey().equalsIgnoreCase("Host")
                  && !h.getKey().equalsIgnoreCase("Connection")) {
                opts.addHeader(h.getKey(), h.getValue());
              }
            });
    if (interpreter && req.getHeader("X-Access-Token") == null) {
      // The SDKs send the envd token to 49999 on /execute only; the platform's proxy adds it for
      // the /contexts routes after its own checks, as this shim does.
      opts.addHeader("X-Access-Token", token);
    }
    client
        .request(opts)
        .compose(
            out -> {
              if (req.headers().contains("Content-Length")) {
                out.putHeader("Content-Length", req.getHeader("Content-Length"));
              } else {
                out.setChunked(true);
              }
              return out.send(req);
            })
        .onSuccess(
            resp -> {
              var sr = req.response().setStatusCode(resp.statusCode());
              resp.headers()
                  .forEach(
                      h -> {
                        if (!h.getKey().equalsIgnoreCase("Connection")) {
                          sr.putHeader(h.getKey(), h.getValue());
                        }
                      });
              if (!resp.headers().contains("Content-Length")) {
                sr.setChunked(true);
              }
              resp.pipeTo(sr);
            })
        .onFailure(t -> json(req, 502, error(502, "The sandbox was not found")));
  }

  private static ObjectNode error(int code, String message) {
    ObjectNode e = TestRuntime.obj();
    e.put("code", code);
    e.put("message", message);
    return e;
  }

  private static void json(HttpServerRequest req, int status, ObjectNode body) {
    if (req.response().ended()) {
      return;
    }
    req.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.toString());
  }
}
