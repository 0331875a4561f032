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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One code context: a long-lived {@code python3} running the bridge script ({@code driver.py}), so
 * globals survive between executions. Executions queue up and run one at a time, like cells on a
 * Jupyter kernel. The process starts on first use and again after a crash or restart.
 *
 * <p>Why a bridge process instead of ipykernel and the Jupyter protocol: the bridge runs IPython's
 * own InteractiveShell (the shell ipykernel wraps) in-process and hooks its display publisher,
 * display hook and traceback, so cells get the same semantics (dedent, magics, {@code !}, rich MIME
 * bundles, inline matplotlib) with one JSON line per event over stdin/stdout: no ZeroMQ, no
 * connection files or ports to secure, nothing besides IPython to install. Where IPython is not
 * installed the bridge falls back to a plain {@code exec()} REPL ({@link #kernel()} says which).
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

  /** How often and how long {@link #cancel(Run)} repeats SIGINT until the cell ends. */
  static final java.time.Duration INTERRUPT_EVERY = java.time.Duration.ofMillis(250);

  static final int INTERRUPT_ATTEMPTS = 40;

  private Process process;
  private OutputStream stdin;
  private CompletableFuture<Void> ready;
  private Consumer<JsonNode> current;
  private CompletableFuture<Void> currentDone;
  private Run currentRun;
  private volatile String kernel = "unknown";
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

  /**
   * Which interpreter the bridge runs: {@code ipython}, {@code python} (the fallback without
   * IPython) or {@code unknown} before the first start.
   */
  public String kernel() {
    return kernel;
  }

  /** A queued or running execution; {@link #cancel(Run)} drops or interrupts it. */
  public static final class Run {
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile boolean cancelled;

    /** Completes when the execution finished, was dropped or the interpreter died. */
    public CompletableFuture<Void> done() {
      return done;
    }
  }

  /** Receives the events of one execution. */
  public interface ExecutionSink {
    /** Called once, when the interpreter starts the execution. */
    void started(int executionCount);

    /** A raw driver event (stdout, stderr, result, error). */
    void event(JsonNode driverEvent);
  }

  /** Queues an execution. */
  public synchronized Run execute(String code, Map<String, String> env, ExecutionSink sink) {
    Run run = new Run();
    CompletableFuture<Void> result =
        tail.handle((x, t) -> null).thenCompose(x -> runOne(run, code, env, sink));
    tail = result;
    result.whenComplete(
        (x, t) -> {
          if (t != null) {
            run.done.completeExceptionally(t);
          } else {
            run.done.complete(null);
          }
        });
    return run;
  }

  /**
   * The client went away (E2B's SDK closes the stream when its execution timeout expires): a queued
   * execution is dropped, a running one gets SIGINT (KeyboardInterrupt in the cell, state kept), as
   * E2B's server interrupts the kernel.
   */
  public void cancel(Run run) {
    synchronized (this) {
      run.cancelled = true;
    }
    // The driver ignores SIGINT between cells, and the execution counts as started before its
    // request reaches the driver: a client that leaves at once would have its one SIGINT land
    // before the cell runs (and the cell run to its end). So repeat it until the cell ends.
    for (int attempt = 0; attempt < INTERRUPT_ATTEMPTS; attempt++) {
      Process p;
      synchronized (this) {
        if (currentRun != run || run.done.isDone()) {
          return;
        }
        p = process;
      }
      if (p == null || !p.isAlive() || !ProcessGroups.available()) {
        return;
      }
      ProcessGroups.signal(p, 2);
      try {
        run.done.get(INTERRUPT_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        // not interrupted yet: again
      } catch (ExecutionException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private CompletableFuture<Void> runOne(
      Run run, String code, Map<String, String> env, ExecutionSink sink) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture<Void> started;
    synchronized (this) {
      if (run.cancelled) {
        return CompletableFuture.completedFuture(null);
      }
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
            if (run.cancelled) {
              return CompletableFuture.<Void>completedFuture(null);
            }
            executionCount++;
            sink.started(executionCount);
            current = sink::event;
            currentDone = done;
            currentRun = run;
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
              currentRun = null;
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
          kernel = ev.path("kernel").asText("python");
          LOG.fine(() -> "context " + id + " runs on " + kernel);
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
            currentRun = null;
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
      currentRun = null;
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
