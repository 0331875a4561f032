package io.openkruise.agents.runtime.interpreter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.ConnectRouter;
import io.openkruise.agents.runtime.connect.Json;
import io.openkruise.agents.runtime.envd.BootstrapGate;
import io.openkruise.agents.runtime.init.InitState;
import io.openkruise.agents.runtime.paths.SandboxPaths;
import io.openkruise.agents.runtime.process.IoThreads;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The code-interpreter API on port 49999: {@code /health}, {@code /execute} (NDJSON stream) and
 * {@code /contexts}. Python only; each context is a persistent interpreter.
 */
public final class CodeInterpreterServer {
  static final int MAX_REQUEST_BYTES = 16 << 20;
  static final long KEEPALIVE_MS = 30_000;

  /**
   * Response header of {@code /execute} naming the interpreter that ran the cell: {@code ipython},
   * or {@code python} for the plain fallback where IPython is not installed.
   */
  public static final String KERNEL_HEADER = "X-Kruise-Interpreter";

  private final Vertx vertx;
  private final InitState init;
  private final BootstrapGate gate;
  private final SandboxPaths paths;
  private final String pythonCommand;
  private final Supplier<Map<String, String>> baseEnv;
  private final Map<String, PythonContext> contexts = new ConcurrentHashMap<>();
  private volatile PythonContext defaultPython;
  private HttpServer server;

  public CodeInterpreterServer(
      Vertx vertx,
      InitState init,
      BootstrapGate gate,
      SandboxPaths paths,
      String pythonCommand,
      Supplier<Map<String, String>> baseEnv) {
    this.vertx = vertx;
    this.init = init;
    this.gate = gate;
    this.paths = paths;
    this.pythonCommand = pythonCommand;
    this.baseEnv = baseEnv;
  }

  public Future<Integer> listen(String host, int port) {
    server =
        vertx
            .createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
            .requestHandler(this::handle);
    return server.listen().map(HttpServer::actualPort);
  }

  /** Stops the listener and kills every interpreter. */
  public Future<Void> close() {
    contexts.values().forEach(PythonContext::close);
    contexts.clear();
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** Normalizes a language name; null means python. */
  static String language(String lang) {
    if (lang == null || lang.isBlank()) {
      return "python";
    }
    String l = lang.trim().toLowerCase();
    return switch (l) {
      case "python", "python3", "py" -> "python";
      case "js" -> "javascript";
      case "ts" -> "typescript";
      default -> l;
    };
  }

  void handle(HttpServerRequest req) {
    String path = req.path();
    HttpMethod m = req.method();
    if ("/health".equals(path)) {
      req.response().setStatusCode(200).putHeader("Content-Type", "text/plain").end("OK");
      return;
    }
    // Same rules as envd: closed until the control plane's init, then the access token guards
    // every route (the SDKs send it on /execute; the proxy adds it on /contexts for them).
    if (gate.closed() && !gate.admits(req.getHeader(BootstrapGate.HEADER))) {
      text(req.response(), 401, "missing or invalid " + BootstrapGate.HEADER);
      return;
    }
    if (!init.tokenMatches(req.getHeader("X-Access-Token"))) {
      text(req.response(), 401, "missing or invalid X-Access-Token");
      return;
    }
    if ("/execute".equals(path) && m == HttpMethod.POST) {
      withBody(req, body -> execute(req, body));
    } else if ("/contexts".equals(path) && m == HttpMethod.POST) {
      withBody(req, body -> createContext(req, body));
    } else if ("/contexts".equals(path) && m == HttpMethod.GET) {
      ArrayNode arr = Json.MAPPER.createArrayNode();
      contexts.values().forEach(c -> arr.add(c.toJson()));
      json(req.response(), 200, arr);
    } else if (path.startsWith("/contexts/") && path.endsWith("/restart") && m == HttpMethod.POST) {
      String id = path.substring("/contexts/".length(), path.length() - "/restart".length());
      PythonContext c = contexts.get(id);
      if (c == null) {
        text(req.response(), 404, "Context " + id + " not found");
        return;
      }
      vertx
          .executeBlocking(
              () -> {
                c.restart();
                return null;
              },
              false)
          .onComplete(x -> req.response().setStatusCode(200).end());
    } else if (path.startsWith("/contexts/") && m == HttpMethod.DELETE) {
      String id = path.substring("/contexts/".length());
      PythonContext c = contexts.remove(id);
      if (c == null) {
        text(req.response(), 404, "Context " + id + " not found");
        return;
      }
      if (c == defaultPython) {
        defaultPython = null;
      }
      vertx
          .executeBlocking(
              () -> {
                c.close();
                return null;
              },
              false)
          .onComplete(x -> req.response().setStatusCode(204).end());
    } else {
      text(req.response(), 404, "Not Found");
    }
  }

  private void withBody(HttpServerRequest req, java.util.function.Consumer<JsonNode> next) {
    ConnectRouter.BodyReader.read(req, MAX_REQUEST_BYTES)
        .onFailure(t -> text(req.response(), 413, t.getMessage()))
        .onSuccess(
            b -> {
              JsonNode n;
              try {
                n = b.length() == 0 ? Json.object() : Json.MAPPER.readTree(b.getBytes());
              } catch (IOException e) {
                text(req.response(), 400, "request body is not valid JSON");
                return;
              }
              if (n == null || !n.isObject()) {
                text(req.response(), 400, "request body must be a JSON object");
                return;
              }
              next.accept(n);
            });
  }

  private PythonContext newContext(String cwd) throws IOException {
    String sandboxCwd = SandboxPaths.normalize(cwd, init.home());
    Path host = paths.resolve(sandboxCwd, init.home());
    return new PythonContext(
        UUID.randomUUID().toString(), "python", sandboxCwd, host, pythonCommand, baseEnv);
  }

  private void createContext(HttpServerRequest req, JsonNode body) {
    String lang = language(Json.text(body, "language", null));
    if (!"python".equals(lang)) {
      text(req.response(), 400, unsupported(lang));
      return;
    }
    String cwd = Json.text(body, "cwd", null);
    PythonContext c;
    try {
      c = newContext(cwd == null || cwd.isEmpty() ? InitState.DEFAULT_HOME : cwd);
    } catch (IOException e) {
      text(req.response(), 400, "invalid cwd: " + e.getMessage());
      return;
    }
    contexts.put(c.id(), c);
    json(req.response(), 200, c.toJson());
  }

  static String unsupported(String lang) {
    return "Language '"
        + lang
        + "' is not supported by this runtime; only python contexts are available";
  }

  private synchronized PythonContext defaultContext() throws IOException {
    PythonContext c = defaultPython;
    if (c == null) {
      c = newContext(InitState.DEFAULT_HOME);
      defaultPython = c;
      contexts.put(c.id(), c);
    }
    return c;
  }

  private void execute(HttpServerRequest req, JsonNode body) {
    JsonNode code = body.get("code");
    if (code == null || !code.isTextual()) {
      text(req.response(), 400, "code is required");
      return;
    }
    String contextId = Json.text(body, "context_id", null);
    String langRaw = Json.text(body, "language", null);
    if (contextId != null && langRaw != null) {
      text(req.response(), 400, "Only one of context_id or language can be provided");
      return;
    }
    PythonContext ctx;
    if (contextId != null) {
      ctx = contexts.get(contextId);
      if (ctx == null) {
        text(req.response(), 404, "Context " + contextId + " not found");
        return;
      }
    } else {
      String lang = language(langRaw);
      if (!"python".equals(lang)) {
        text(req.response(), 400, unsupported(lang));
        return;
      }
      try {
        ctx = defaultContext();
      } catch (IOException e) {
        text(req.response(), 500, "cannot create the default context: " + e.getMessage());
        return;
      }
    }
    Map<String, String> env = Json.stringMap(body, "env_vars").orElseGet(LinkedHashMap::new);
    HttpServerResponse resp = req.response();
    resp.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/x-ndjson");
    Context vctx = Vertx.currentContext();
    java.util.function.Consumer<ObjectNode> write =
        ev -> {
          Buffer line = ExecutionEvents.line(ev);
          vctx.runOnContext(
              v -> {
                if (!resp.ended() && !resp.closed()) {
                  resp.write(line);
                }
              });
        };
    long keepalive =
        vertx.setPeriodic(KEEPALIVE_MS, id -> write.accept(ExecutionEvents.keepalive()));
    PythonContext target = ctx;
    PythonContext.Run run =
        ctx.execute(
            code.asText(),
            env,
            new PythonContext.ExecutionSink() {
              @Override
              public void started(int count) {
                String kernel = target.kernel();
                vctx.runOnContext(
                    v -> {
                      if (!resp.headWritten()) {
                        resp.putHeader(KERNEL_HEADER, kernel);
                      }
                    });
                write.accept(ExecutionEvents.numberOfExecutions(count));
              }

              @Override
              public void event(JsonNode driverEvent) {
                ObjectNode ev = ExecutionEvents.fromDriver(driverEvent, Instant.now());
                if (ev != null) {
                  write.accept(ev);
                }
              }
            });
    // The client gave up (its execution timeout): interrupt the cell, as E2B does.
    resp.closeHandler(
        v -> {
          if (!run.done().isDone()) {
            IoThreads.POOL.execute(() -> target.cancel(run));
          }
        });
    run.done()
        .whenComplete(
            (x, t) -> {
              if (t != null) {
                write.accept(
                    ExecutionEvents.error(
                        "UnexpectedEndOfExecution", String.valueOf(t.getMessage()), ""));
              }
              vctx.runOnContext(
                  v -> {
                    vertx.cancelTimer(keepalive);
                    if (!resp.ended() && !resp.closed()) {
                      resp.end(ExecutionEvents.line(ExecutionEvents.endOfExecution()));
                    }
                  });
            });
  }

  private static void text(HttpServerResponse resp, int status, String message) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.setStatusCode(status).putHeader("Content-Type", "text/plain").end(message);
  }

  private static void json(HttpServerResponse resp, int status, JsonNode body) {
    resp.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Json.toBuffer(body));
  }
}
