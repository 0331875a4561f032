package io.openkruise.agents.runtime.interpreter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.Json;
import io.openkruise.agents.runtime.process.IoThreads;
import io.openkruise.agents.runtime.process.ProcessGroups;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One code context: a long-lived {@code python3} running the driver script, so globals survive
 * between executions. Executions queue up and run one at a time, like cells on a Jupyter kernel.
 * The process starts on first use and again after a crash or restart.
 */
public final class PythonContext {
  private static final Logger LOG = Logger.getLogger(PythonContext.class.getName());
  private static final String DRIVER = loadDriver();

  private final String id;
  private final String language;
  private final String cwd;
  private final Path hostCwd;
  private final String pythonCommand;
  private final java.util.function.Supplier<Map<String, String>> baseEnv;

  private Process process;
  private OutputStream stdin;
  private CompletableFuture<Void> ready;
  private Consumer<JsonNode> current;
  private CompletableFuture<Void> currentDone;
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
  private int executionCount;
  private boolean closed;

  public PythonContext(
      String id,
      String language,
      String cwd,
      Path hostCwd,
      String pythonCommand,
      java.util.function.Supplier<Map<String, String>> baseEnv) {
    this.id = id;
    this.language = language;
    this.cwd = cwd;
    this.hostCwd = hostCwd;
    this.pythonCommand = pythonCommand;
    this.baseEnv = baseEnv;
  }

  public String id() {
    return id;
  }

  public String language() {
    return language;
  }

  public String cwd() {
    return cwd;
  }

  /** JSON shape clients see: {@code {id, language, cwd}}. */
  public ObjectNode toJson() {
    ObjectNode n = Json.object();
    n.put("id", id);
    n.put("language", language);
    n.put("cwd", cwd);
    return n;
  }

  /** Receives the events of one execution. */
  public interface ExecutionSink {
    /** Called once, when the interpreter starts the execution. */
    void started(int executionCount);

    /** A raw driver event (stdout, stderr, result, error). */
    void event(JsonNode driverEvent);
  }

  /** Queues an execution; completes when it finished (or the interpreter died). */
  public synchronized CompletableFuture<Void> execute(
      String code, Map<String, String> env, ExecutionSink sink) {
    CompletableFuture<Void> result =
        tail.handle((x, t) -> null).thenCompose(x -> runOne(code, env, sink));
    tail = result;
    return result;
  }

  private CompletableFuture<Void> runOne(String code, Map<String, String> env, ExecutionSink sink) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture<Void> started;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("context " + id + " was removed"));
      }
      try {
        started = ensureStarted();
      } catch (IOException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return started.thenCompose(
        x -> {
          synchronized (this) {
            executionCount++;
            sink.started(executionCount);
            current = sink::event;
            currentDone = done;
            ObjectNode req = Json.object();
            req.put("code", code);
            if (env != null && !env.isEmpty()) {
              req.set("env", Json.MAPPER.valueToTree(env));
            }
            try {
              stdin.write(Json.toBuffer(req).appendString("\n").getBytes());
              stdin.flush();
            } catch (IOException e) {
              current = null;
              currentDone = null;
              done.completeExceptionally(e);
            }
          }
          return done;
        });
  }

  private CompletableFuture<Void> ensureStarted() throws IOException {
    if (process != null && process.isAlive()) {
      return ready;
    }
    List<String> cmd = new ArrayList<>();
    if (ProcessGroups.available()) {
      cmd.add(ProcessGroups.setsidPath());
    }
    cmd.addAll(List.of(pythonCommand, "-u", "-c", DRIVER));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(hostCwd.toFile());
    pb.environment().clear();
    pb.environment().putAll(baseEnv.get());
    pb.environment().put("AGENT_RUNTIME_CWD", hostCwd.toString());
    pb.environment().put("MPLBACKEND", "Agg");
    pb.environment().put("PYTHONIOENCODING", "utf-8");
    java.nio.file.Files.createDirectories(hostCwd);
    Process p = pb.start();
    process = p;
    stdin = p.getOutputStream();
    CompletableFuture<Void> r = new CompletableFuture<>();
    ready = r;
    IoThreads.POOL.execute(() -> readLoop(p, p.getInputStream(), r));
    IoThreads.POOL.execute(() -> drainStderr(p.getErrorStream()));
    return r;
  }

  private void readLoop(Process p, InputStream in, CompletableFuture<Void> readyFuture) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        JsonNode ev;
        try {
          ev = Json.MAPPER.readTree(line);
        } catch (IOException e) {
          continue;
        }
        String type = ev.path("type").asText();
        if ("ready".equals(type)) {
          readyFuture.complete(null);
          continue;
        }
        Consumer<JsonNode> sink;
        CompletableFuture<Void> done;
        synchronized (this) {
          sink = current;
          done = currentDone;
          if ("done".equals(type)) {
            current = null;
            currentDone = null;
          }
        }
        if ("done".equals(type)) {
          if (done != null) {
            done.complete(null);
          }
        } else if (sink != null) {
          sink.accept(ev);
        }
      }
    } catch (IOException e) {
      LOG.log(Level.FINE, "interpreter pipe closed", e);
    }
    // The interpreter died (crash, os._exit, restart, removal).
    readyFuture.completeExceptionally(new IOException("python interpreter exited during start"));
    Consumer<JsonNode> sink;
    CompletableFuture<Void> done;
    synchronized (this) {
      sink = current;
      done = currentDone;
      current = null;
      currentDone = null;
      if (process == p) {
        process = null;
      }
    }
    if (sink != null) {
      ObjectNode err = Json.object();
      err.put("type", "error");
      err.put("name", "UnexpectedEndOfExecution");
      err.put("value", "the Python interpreter of context " + id + " exited");
      err.put("traceback", "");
      sink.accept(err);
    }
    if (done != null) {
      done.complete(null);
    }
  }

  private static void drainStderr(InputStream err) {
    // The driver redirects fd 2 itself; this only sees start-up failures.
    try (err) {
      byte[] b = err.readAllBytes();
      if (b.length > 0) {
        LOG.fine(() -> "python stderr: " + new String(b, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // Closed.
    }
  }

  /** Kills the interpreter; the next execution starts a fresh one with empty state. */
  public synchronized void restart() {
    kill();
    executionCount = 0;
  }

  /** Kills the interpreter for good. */
  public synchronized void close() {
    closed = true;
    kill();
  }

  private void kill() {
    Process p = process;
    process = null;
    if (p != null) {
      ProcessGroups.signal(p, 9);
    }
  }

  private static String loadDriver() {
    try (InputStream in = PythonContext.class.getResourceAsStream("driver.py")) {
      if (in == null) {
        throw new IllegalStateException("driver.py resource missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
