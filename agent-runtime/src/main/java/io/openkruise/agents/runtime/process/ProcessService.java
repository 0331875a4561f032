package io.openkruise.agents.runtime.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.ConnectCode;
import io.openkruise.agents.runtime.connect.ConnectException;
import io.openkruise.agents.runtime.connect.ConnectRouter;
import io.openkruise.agents.runtime.connect.Json;
import io.openkruise.agents.runtime.connect.RpcCall;
import io.openkruise.agents.runtime.connect.ServerStream;
import io.openkruise.agents.runtime.process.ProcessEvents.ExitInfo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** The {@code process.Process} Connect service on top of {@link ProcessManager}. */
public final class ProcessService {
  public static final String SERVICE = "process.Process";

  /**
   * What an open process stream ends with when the runtime shuts down (its pod is deleted: the
   * sandbox was killed, paused or timed out). UNAVAILABLE without "was not found" or "port is not
   * open": newer SDKs then probe the sandbox's health, get the proxy's 502 and report E2B's "killed
   * or reached its end of life"; older ones report a sandbox timeout.
   */
  public static final String SHUTDOWN_MESSAGE =
      "the sandbox's runtime is shutting down: the sandbox was killed, paused or reached its end"
          + " of life while the stream was open";

  private final Vertx vertx;
  private final ProcessManager manager;
  private final Set<ServerStream> streams = ConcurrentHashMap.newKeySet();
  private volatile boolean shuttingDown;

  public ProcessService(Vertx vertx, ProcessManager manager) {
    this.vertx = vertx;
    this.manager = manager;
  }

  public void register(ConnectRouter router) {
    router
        .streaming(SERVICE, "Start", this::start)
        .streaming(SERVICE, "Connect", this::connect)
        .unary(SERVICE, "List", this::list)
        .unary(SERVICE, "SendInput", this::sendInput)
        .unary(SERVICE, "SendSignal", this::sendSignal)
        .unary(SERVICE, "CloseStdin", this::closeStdin)
        .unary(SERVICE, "Update", this::update);
  }

  /** Parses a {@code StartRequest}. Pure apart from reading the message. */
  public static StartSpec parseStart(ObjectNode req, long timeoutMs) {
    JsonNode proc = req.get("process");
    if (proc == null || !proc.isObject()) {
      throw ConnectException.invalidArgument("process is required");
    }
    String cmd = Json.text(proc, "cmd", "");
    if (cmd.isEmpty()) {
      throw ConnectException.invalidArgument("process.cmd is required");
    }
    List<String> args = new ArrayList<>();
    JsonNode a = proc.get("args");
    if (a != null && a.isArray()) {
      a.forEach(n -> args.add(n.asText()));
    } else if (a != null && !a.isNull()) {
      throw ConnectException.invalidArgument("process.args must be an array");
    }
    Map<String, String> envs = Json.stringMap(proc, "envs").orElseGet(LinkedHashMap::new);
    String cwd = Json.text(proc, "cwd", null);
    String tag = Json.text(req, "tag", null);
    JsonNode stdinNode = req.get("stdin");
    Boolean stdin = stdinNode == null || stdinNode.isNull() ? null : stdinNode.asBoolean();
    StartSpec.PtySize pty = null;
    JsonNode ptyNode = req.get("pty");
    if (ptyNode != null && ptyNode.isObject()) {
      JsonNode size = ptyNode.get("size");
      pty =
          new StartSpec.PtySize(
              (int) Json.longValue(size == null ? null : size.get("cols"), 80),
              (int) Json.longValue(size == null ? null : size.get("rows"), 24));
    }
    return new StartSpec(cmd, args, envs, cwd, tag, stdin, pty, timeoutMs);
  }

  private void start(RpcCall call, ObjectNode req, ServerStream stream) {
    refuseWhenShuttingDown();
    StartSpec spec = parseStart(req, call.timeoutMs());
    vertx
        .<ManagedProcess>executeBlocking(
            () -> {
              try {
                return manager.spawn(spec);
              } catch (FileSystemException e) {
                throw e;
              } catch (IOException e) {
                throw new ConnectException(
                    ConnectCode.INVALID_ARGUMENT, "failed to start process: " + e.getMessage());
              } catch (UnsupportedOperationException e) {
                throw new ConnectException(ConnectCode.UNIMPLEMENTED, e.getMessage());
              }
            },
            false)
        .onFailure(stream::fail)
        .onSuccess(
            mp -> {
              attach(mp, call, stream);
              manager.begin(mp);
            });
  }

  private void connect(RpcCall call, ObjectNode req, ServerStream stream) {
    refuseWhenShuttingDown();
    ManagedProcess mp = select(req);
    attach(mp, call, stream);
  }

  /**
   * Ends every open {@code Start}/{@code Connect} stream with UNAVAILABLE ({@link
   * #SHUTDOWN_MESSAGE}) before the processes are killed, so clients see the sandbox go away instead
   * of a normal "signal: killed" end or a dropped connection. Later calls are refused the same way.
   *
   * @return completes once every stream has written its end (or its client was gone)
   */
  public Future<Void> abortStreams() {
    shuttingDown = true;
    List<Future<Void>> ended = new ArrayList<>();
    for (ServerStream s : List.copyOf(streams)) {
      Promise<Void> done = Promise.promise();
      s.onClose(done::tryComplete);
      s.fail(new ConnectException(ConnectCode.UNAVAILABLE, SHUTDOWN_MESSAGE));
      ended.add(done.future());
    }
    return Future.join(ended).mapEmpty();
  }

  private void refuseWhenShuttingDown() {
    if (shuttingDown) {
      throw new ConnectException(ConnectCode.UNAVAILABLE, SHUTDOWN_MESSAGE);
    }
  }

  /** Streams start, data, keepalive and end events of {@code mp} to {@code stream}. */
  private void attach(ManagedProcess mp, RpcCall call, ServerStream stream) {
    streams.add(stream);
    stream.onClose(() -> streams.remove(stream));
    if (shuttingDown) {
      stream.fail(new ConnectException(ConnectCode.UNAVAILABLE, SHUTDOWN_MESSAGE));
      return;
    }
    AtomicLong lastSend = new AtomicLong(System.nanoTime());
    AtomicBoolean ended = new AtomicBoolean();
    long intervalNanos = TimeUnit.SECONDS.toNanos(call.keepaliveSeconds());
    long timer =
        vertx.setPeriodic(
            Math.max(1000, TimeUnit.NANOSECONDS.toMillis(intervalNanos) / 2),
            id -> {
              if (System.nanoTime() - lastSend.get() >= intervalNanos) {
                lastSend.set(System.nanoTime());
                stream.send(ProcessEvents.keepalive());
              }
            });
    ManagedProcess.Listener listener =
        new ManagedProcess.Listener() {
          @Override
          public void onData(String s, byte[] bytes, int length) {
            lastSend.set(System.nanoTime());
            stream.send(ProcessEvents.data(s, bytes, length));
          }

          @Override
          public void onEnd(ExitInfo exit) {
            if (ended.compareAndSet(false, true)) {
              stream.send(ProcessEvents.end(exit));
              stream.end();
            }
          }
        };
    stream.onClose(
        () -> {
          vertx.cancelTimer(timer);
          mp.unsubscribe(listener);
        });
    stream.send(ProcessEvents.start(mp.pid()));
    mp.subscribe(listener);
    // The process may have ended between lookup and subscribe.
    mp.exit().thenAccept(listener::onEnd);
  }

  private ManagedProcess select(JsonNode req) {
    JsonNode sel = req.get("process");
    if (sel == null || !sel.isObject()) {
      throw ConnectException.invalidArgument("process selector is required");
    }
    if (sel.hasNonNull("pid")) {
      long pid = Json.longValue(sel.get("pid"), -1);
      return manager
          .findByPid(pid)
          .orElseThrow(() -> ConnectException.notFound("process with pid " + pid + " not found"));
    }
    if (sel.hasNonNull("tag")) {
      String tag = sel.get("tag").asText();
      return manager
          .findByTag(tag)
          .orElseThrow(() -> ConnectException.notFound("process with tag " + tag + " not found"));
    }
    throw ConnectException.invalidArgument("process selector needs pid or tag");
  }

  private Future<ObjectNode> list(RpcCall call, ObjectNode req) {
    ObjectNode res = Json.object();
    ArrayNode arr = res.putArray("processes");
    for (ManagedProcess mp : manager.list()) {
      ObjectNode info = arr.addObject();
      ObjectNode config = info.putObject("config");
      StartSpec s = mp.spec();
      config.put("cmd", s.cmd());
      ArrayNode args = config.putArray("args");
      s.args().forEach(args::add);
      ObjectNode envs = config.putObject("envs");
      s.envs().forEach(envs::put);
      if (s.cwd() != null) {
        config.put("cwd", s.cwd());
      }
      info.put("pid", mp.pid());
      if (s.tag() != null) {
        info.put("tag", s.tag());
      }
    }
    return Future.succeededFuture(res);
  }

  private Future<ObjectNode> sendInput(RpcCall call, ObjectNode req) {
    ManagedProcess mp = select(req);
    JsonNode input = req.get("input");
    String b64 = null;
    if (input != null && input.hasNonNull("stdin")) {
      b64 = input.get("stdin").asText();
    } else if (input != null && input.hasNonNull("pty")) {
      b64 = input.get("pty").asText();
    }
    if (b64 == null) {
      throw ConnectException.invalidArgument("input.stdin or input.pty is required");
    }
    byte[] data;
    try {
      data = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw ConnectException.invalidArgument("input is not valid base64");
    }
    return vertx.executeBlocking(
        () -> {
          try {
            mp.write(data);
          } catch (IllegalStateException e) {
            throw new ConnectException(ConnectCode.FAILED_PRECONDITION, e.getMessage());
          } catch (IOException e) {
            throw new ConnectException(
                ConnectCode.FAILED_PRECONDITION, "stdin is closed: " + e.getMessage());
          }
          return Json.object();
        },
        false);
  }

  private Future<ObjectNode> closeStdin(RpcCall call, ObjectNode req) {
    ManagedProcess mp = select(req);
    return vertx.executeBlocking(
        () -> {
          mp.closeStdin();
          return Json.object();
        },
        false);
  }

  /** Parses a {@code Signal} enum given by name or number. */
  public static int parseSignal(JsonNode node) {
    if (node == null || node.isNull()) {
      throw ConnectException.invalidArgument("signal is required");
    }
    String v = node.asText();
    return switch (v) {
      case "SIGNAL_SIGKILL", "9" -> 9;
      case "SIGNAL_SIGTERM", "15" -> 15;
      default -> throw ConnectException.invalidArgument("unsupported signal " + v);
    };
  }

  private Future<ObjectNode> sendSignal(RpcCall call, ObjectNode req) {
    ManagedProcess mp = select(req);
    int sig = parseSignal(req.get("signal"));
    return vertx.executeBlocking(
        () -> {
          mp.signal(sig);
          return Json.object();
        },
        false);
  }

  private Future<ObjectNode> update(RpcCall call, ObjectNode req) {
    ManagedProcess mp = select(req);
    JsonNode size = req.path("pty").path("size");
    if (!mp.isPty() || size.isMissingNode()) {
      return Future.succeededFuture(Json.object());
    }
    int cols = (int) Json.longValue(size.get("cols"), 80);
    int rows = (int) Json.longValue(size.get("rows"), 24);
    return vertx.executeBlocking(
        () -> {
          resizePty(mp, cols, rows);
          return Json.object();
        },
        false);
  }

  /**
   * Best-effort resize: finds the terminal of the process under {@code script} and sets its size,
   * which makes the kernel send SIGWINCH to the foreground group.
   */
  private static void resizePty(ManagedProcess mp, int cols, int rows) {
    Process p = mp.osProcess();
    if (p == null) {
      return;
    }
    String stty = ProcessGroups.findExecutable("stty");
    if (stty == null) {
      return;
    }
    p.descendants()
        .findFirst()
        .ifPresent(
            child -> {
              try {
                Path tty = Files.readSymbolicLink(Path.of("/proc", child.pid() + "", "fd", "0"));
                if (!tty.toString().startsWith("/dev/pts/")) {
                  return;
                }
                new ProcessBuilder(stty, "-F", tty.toString(), "cols", "" + cols, "rows", "" + rows)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor(5, TimeUnit.SECONDS);
              } catch (IOException e) {
                // Best effort only.
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }
}
