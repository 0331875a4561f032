package io.openkruise.agents.runtime.connect;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves Connect RPCs (JSON codec only) over HTTP/1.1: unary calls as {@code application/json},
 * server streams as {@code application/connect+json} envelopes terminated by an end-stream
 * envelope.
 */
public final class ConnectRouter {
  private static final Logger LOG = Logger.getLogger(ConnectRouter.class.getName());

  /** A unary RPC. */
  @FunctionalInterface
  public interface Unary {
    Future<ObjectNode> call(RpcCall call, ObjectNode request);
  }

  /** A server-streaming RPC; it must eventually end or fail the stream. */
  @FunctionalInterface
  public interface Streaming {
    void call(RpcCall call, ObjectNode request, ServerStream stream);
  }

  private final Map<String, Unary> unary = new HashMap<>();
  private final Map<String, Streaming> streaming = new HashMap<>();
  private final List<String> services = new ArrayList<>();
  private final int maxMessageBytes;

  public ConnectRouter(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  public ConnectRouter unary(String service, String method, Unary handler) {
    unary.put("/" + service + "/" + method, handler);
    addService(service);
    return this;
  }

  public ConnectRouter streaming(String service, String method, Streaming handler) {
    streaming.put("/" + service + "/" + method, handler);
    addService(service);
    return this;
  }

  private void addService(String service) {
    if (!services.contains(service)) {
      services.add(service);
    }
  }

  /** True when the path names one of the registered services (known method or not). */
  public boolean owns(String path) {
    for (String s : services) {
      if (path.startsWith("/" + s + "/")) {
        return true;
      }
    }
    return false;
  }

  /** Handles one RPC request; the caller has checked {@link #owns}. */
  public void handle(HttpServerRequest req) {
    String path = req.path();
    String contentType = baseContentType(req.getHeader("Content-Type"));
    Streaming stream = streaming.get(path);
    Unary un = unary.get(path);
    if (req.method() != io.vertx.core.http.HttpMethod.POST) {
      req.response().putHeader("Allow", "POST");
      writeUnaryError(
          req.response(),
          new ConnectException(ConnectCode.UNIMPLEMENTED, "Connect RPCs accept POST only"),
          405);
      return;
    }
    if (stream == null && un == null) {
      writeUnaryError(
          req.response(),
          new ConnectException(ConnectCode.UNIMPLEMENTED, "unknown procedure " + path),
          -1);
      return;
    }
    long timeoutMs = parseTimeout(req.getHeader("Connect-Timeout-Ms"));
    RpcCall call = new RpcCall(path, req.headers(), timeoutMs);
    if (stream != null) {
      if (!ConnectEnvelope.CONTENT_TYPE_JSON.equals(contentType)) {
        // Connect answers an unsupported codec with HTTP 415 before any stream starts.
        req.response()
            .setStatusCode(415)
            .putHeader("Accept-Post", ConnectEnvelope.CONTENT_TYPE_JSON)
            .end();
        return;
      }
      ServerStreamImpl out = new ServerStreamImpl(req, Vertx.currentContext());
      BodyReader.read(req, (long) maxMessageBytes + Envelope.HEADER_LENGTH)
          .onFailure(out::fail)
          .onSuccess(
              body -> {
                ObjectNode msg;
                try {
                  msg = Json.parseMessage(Envelope.singleMessage(body, maxMessageBytes));
                } catch (RuntimeException e) {
                  out.fail(e);
                  return;
                }
                try {
                  stream.call(call, msg, out);
                } catch (RuntimeException e) {
                  out.fail(e);
                }
              });
      return;
    }
    if (!"application/json".equals(contentType)) {
      req.response().setStatusCode(415).putHeader("Accept-Post", "application/json").end();
      return;
    }
    BodyReader.read(req, maxMessageBytes)
        .compose(
            body -> {
              try {
                return un.call(call, Json.parseMessage(body));
              } catch (RuntimeException e) {
                return Future.failedFuture(e);
              }
            })
        .onSuccess(
            res ->
                req.response()
                    .setStatusCode(200)
                    .putHeader("Content-Type", "application/json")
                    .end(Json.toBuffer(res)))
        .onFailure(err -> writeUnaryError(req.response(), err, -1));
  }

  private static void writeUnaryError(HttpServerResponse resp, Throwable err, int statusOverride) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    ConnectException ce = ErrorMapping.toConnect(err);
    if (ce.code() == ConnectCode.INTERNAL) {
      LOG.log(Level.WARNING, "internal RPC error", err);
    }
    resp.setStatusCode(statusOverride > 0 ? statusOverride : ce.code().httpStatus())
        .putHeader("Content-Type", "application/json")
        .end(Json.toBuffer(errorJson(ce)));
  }

  /** The JSON error object shared by unary bodies and end-stream messages. */
  public static ObjectNode errorJson(ConnectException ce) {
    ObjectNode node = Json.object();
    node.put("code", ce.code().wireName());
    node.put("message", ce.getMessage());
    return node;
  }

  static String baseContentType(String header) {
    if (header == null) {
      return "";
    }
    int semi = header.indexOf(';');
    return (semi >= 0 ? header.substring(0, semi) : header).trim().toLowerCase();
  }

  static long parseTimeout(String header) {
    if (header == null || header.isBlank()) {
      return 0;
    }
    try {
      long v = Long.parseLong(header.trim());
      return Math.max(v, 0);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static final class ServerStreamImpl implements ServerStream {
    private final HttpServerResponse resp;
    private final Context context;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Runnable> closeActions = new ArrayList<>();
    private boolean headersSent;

    ServerStreamImpl(HttpServerRequest req, Context context) {
      this.resp = req.response();
      this.context = context;
      resp.closeHandler(v -> markClosed());
    }

    private void onContext(Runnable r) {
      if (Vertx.currentContext() == context) {
        r.run();
      } else {
        context.runOnContext(v -> r.run());
      }
    }

    private void ensureHeaders() {
      if (!headersSent) {
        headersSent = true;
        resp.setStatusCode(200)
            .setChunked(true)
            .putHeader("Content-Type", ConnectEnvelope.CONTENT_TYPE_JSON);
      }
    }

    @Override
    public void send(ObjectNode message) {
      Buffer frame = Envelope.encode(0, Json.toBuffer(message));
      onContext(
          () -> {
            if (closed.get() || resp.closed()) {
              return;
            }
            ensureHeaders();
            resp.write(frame);
          });
    }

    @Override
    public void end() {
      finish(Json.object());
    }

    @Override
    public void fail(Throwable error) {
      ConnectException ce = ErrorMapping.toConnect(error);
      if (ce.code() == ConnectCode.INTERNAL) {
        LOG.log(Level.WARNING, "internal streaming RPC error", error);
      }
      ObjectNode end = Json.object();
      end.set("error", errorJson(ce));
      finish(end);
    }

    private void finish(ObjectNode endMessage) {
      Buffer frame = Envelope.encode(Envelope.FLAG_END_STREAM, Json.toBuffer(endMessage));
      onContext(
          () -> {
            if (closed.get()) {
              return;
            }
            if (!resp.closed() && !resp.ended()) {
              ensureHeaders();
              resp.end(frame);
            }
            markClosed();
          });
    }

    @Override
    public boolean isClosed() {
      return closed.get();
    }

    @Override
    public void onClose(Runnable action) {
      onContext(
          () -> {
            if (closed.get()) {
              action.run();
            } else {
              closeActions.add(action);
            }
          });
    }

    private void markClosed() {
      if (closed.compareAndSet(false, true)) {
        List<Runnable> actions = new ArrayList<>(closeActions);
        closeActions.clear();
        for (Runnable r : actions) {
          try {
            r.run();
          } catch (RuntimeException e) {
            LOG.log(Level.FINE, "stream close action failed", e);
          }
        }
      }
    }
  }

  /** Collects a request body, failing once it grows past a limit. */
  public static final class BodyReader {
    private BodyReader() {}

    public static Future<Buffer> read(HttpServerRequest req, long maxBytes) {
      Promise<Buffer> promise = Promise.promise();
      Buffer acc = Buffer.buffer();
      AtomicBoolean failed = new AtomicBoolean();
      req.handler(
          chunk -> {
            if (failed.get()) {
              return;
            }
            if ((long) acc.length() + chunk.length() > maxBytes) {
              failed.set(true);
              promise.tryFail(
                  new ConnectException(
                      ConnectCode.RESOURCE_EXHAUSTED,
                      "request body exceeds the limit of " + maxBytes + " bytes"));
              return;
            }
            acc.appendBuffer(chunk);
          });
      req.endHandler(v -> promise.tryComplete(acc));
      req.exceptionHandler(promise::tryFail);
      return promise.future();
    }
  }
}
