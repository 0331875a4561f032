package io.openkruise.agents.runtime;

import io.openkruise.agents.envd.RuntimeEnv;
import io.openkruise.agents.runtime.connect.ConnectRouter;
import io.openkruise.agents.runtime.csi.CsiMountCommand;
import io.openkruise.agents.runtime.envd.BootstrapGate;
import io.openkruise.agents.runtime.envd.EnvdServer;
import io.openkruise.agents.runtime.files.FilesHandler;
import io.openkruise.agents.runtime.filesystem.FileOwners;
import io.openkruise.agents.runtime.filesystem.FilesystemService;
import io.openkruise.agents.runtime.init.InitState;
import io.openkruise.agents.runtime.interpreter.CodeInterpreterServer;
import io.openkruise.agents.runtime.metrics.MetricsSampler;
import io.openkruise.agents.runtime.metrics.UsageReader;
import io.openkruise.agents.runtime.paths.SandboxPaths;
import io.openkruise.agents.runtime.process.ProcessManager;
import io.openkruise.agents.runtime.process.ProcessService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One envd-compatible runtime instance: the envd listener, optionally the code-interpreter
 * listener, and every process and watcher it started. Many instances can share one {@link Vertx};
 * each needs its own address or ports and its own root directory.
 *
 * <pre>{@code
 * AgentRuntime rt = AgentRuntime.start(vertx, RuntimeOptions.builder()
 *         .host("127.0.3.7").rootDir(dir).envdPort(49983).codeInterpreter(true).build())
 *     .toCompletionStage().toCompletableFuture().join();
 * ...
 * rt.close(); // kills all child process groups, frees the ports
 * }</pre>
 */
public final class AgentRuntime {
  /**
   * The envd version we advertise: octet-stream uploads, CloseStdin, file metadata (0.6.2), entry
   * info in watch events (0.6.3) and the network-mount watch flag (0.6.4), the SDKs' gates.
   */
  public static final String ENVD_VERSION = "0.6.4";

  /** Addresses bound in this JVM: Vert.x would silently share a second server on one address. */
  private static final Set<String> BOUND = ConcurrentHashMap.newKeySet();

  private final Vertx vertx;
  private final RuntimeOptions options;
  private final ProcessManager processes;
  private final ProcessService processService;
  private final FilesystemService filesystem;
  private final EnvdServer envd;
  private final CodeInterpreterServer interpreter;
  private final InitState init;
  private final MetricsSampler metrics;
  private volatile int envdPort;
  private volatile int codeInterpreterPort = -1;
  private volatile String envdKey;
  private volatile String interpreterKey;
  private Future<Void> closing;

  private AgentRuntime(Vertx vertx, RuntimeOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.init = new InitState();
    SandboxPaths paths = new SandboxPaths(options.rootDir());
    CsiMountCommand csi =
        new CsiMountCommand(
            paths, options.volumesDir(), options.csiDrivers(), options.csiLocalMode());
    this.processes = new ProcessManager(vertx, paths, init, List.of(csi));
    FileOwners owners = FileOwners.system(!paths.isIdentity(), () -> init.get().defaultUser());
    this.filesystem = new FilesystemService(vertx, paths, init, owners);
    ConnectRouter router = new ConnectRouter(16 << 20);
    this.processService = new ProcessService(vertx, processes);
    processService.register(router);
    filesystem.register(router);
    FilesHandler files = new FilesHandler(vertx, paths, init, owners, options.maxUploadBytes());
    BootstrapGate gate = new BootstrapGate(options.bootstrapToken(), options.unauthenticated());
    UsageReader usage =
        MetricsSampler.readerFor(options.sidecarMode(), options.rootDir(), processes::osProcesses);
    this.metrics = new MetricsSampler(vertx, usage);
    this.envd =
        new EnvdServer(
            vertx,
            init,
            paths,
            router,
            files,
            gate,
            options.maxSignatureLifetimeSeconds(),
            metrics,
            usage);
    this.interpreter =
        options.codeInterpreter()
            ? new CodeInterpreterServer(
                vertx,
                init,
                gate,
                paths,
                options.pythonCommand(),
                () -> processes.baseEnvironment(paths.toHostLexical(init.home())))
            : null;
  }

  /**
   * Creates the root layout and binds the listeners.
   *
   * @return completes with the running instance, or fails if a port is taken or the root cannot be
   *     created (nothing stays bound in that case)
   */
  public static Future<AgentRuntime> start(Vertx vertx, RuntimeOptions options) {
    AgentRuntime rt = new AgentRuntime(vertx, options);
    return vertx
        .executeBlocking(
            () -> {
              if (!options.sidecarMode()) {
                Path root = options.rootDir();
                Files.createDirectories(root.resolve("home/user"));
                Files.createDirectories(root.resolve("tmp"));
                ProcessManager.provideSimulatedTools(root);
              }
              return null;
            },
            false)
        .compose(x -> rt.bindEnvd())
        .compose(x -> rt.bindInterpreter())
        .onSuccess(x -> rt.metrics.start())
        .map(x -> rt)
        .recover(err -> rt.close().transform(c -> Future.failedFuture(err)));
  }

  private Future<Void> bindEnvd() {
    String key = claim(options.envdPort());
    envdKey = key;
    return envd.listen(options.host(), options.envdPort())
        .onSuccess(p -> envdPort = p)
        .onFailure(t -> release(key))
        .mapEmpty();
  }

  private Future<Void> bindInterpreter() {
    if (interpreter == null) {
      return Future.succeededFuture();
    }
    String key = claim(options.codeInterpreterPort());
    interpreterKey = key;
    return interpreter
        .listen(options.host(), options.codeInterpreterPort())
        .onSuccess(p -> codeInterpreterPort = p)
        .onFailure(t -> release(key))
        .mapEmpty();
  }

  private String claim(int port) {
    if (port == 0) {
      return null;
    }
    String key = options.host() + ":" + port;
    if (!BOUND.add(key)) {
      throw new IllegalStateException("address " + key + " is already used by another runtime");
    }
    return key;
  }

  private static void release(String key) {
    if (key != null) {
      BOUND.remove(key);
    }
  }

  /** Address the listeners are bound to. */
  public String host() {
    return options.host();
  }

  /** Actual envd port (resolved when 0 was asked). */
  public int envdPort() {
    return envdPort;
  }

  /** Actual code-interpreter port, or -1 when disabled. */
  public int codeInterpreterPort() {
    return codeInterpreterPort;
  }

  /**
   * The line the runtime prints to its container's output once it listens (the first line of a
   * sandbox's log; the simulated node writes the same line to the log of the runtime it runs).
   */
  public String startupLine() {
    return String.format(
        "agent-runtime %s listening on %s: envd %d, code interpreter %s, root %s, access %s",
        ENVD_VERSION,
        options.host(),
        envdPort,
        codeInterpreterPort > 0 ? String.valueOf(codeInterpreterPort) : "off",
        options.rootDir(),
        options.bootstrapToken() != null
            ? "closed until init with the bootstrap token"
            : options.unauthenticated()
                ? "UNAUTHENTICATED (no bootstrap token)"
                : "refused: no " + RuntimeEnv.BOOTSTRAP_TOKEN + " and not --unauthenticated");
  }

  /** Host directory holding the sandbox's {@code /}. */
  public Path rootDir() {
    return options.rootDir();
  }

  public RuntimeOptions options() {
    return options;
  }

  /**
   * Stops the instance: kills every process group it started (and the interpreters), stops watchers
   * and closes both listeners. Idempotent.
   */
  public synchronized Future<Void> close() {
    if (closing != null) {
      return closing;
    }
    metrics.close();
    // Open process streams end with UNAVAILABLE first (what a client of a killed sandbox sees),
    // then the processes die and the listeners close; a stuck stream delays that at most a second.
    Promise<Void> aborted = Promise.promise();
    processService.abortStreams().onComplete(x -> aborted.tryComplete());
    long guard = vertx.setTimer(1000, id -> aborted.tryComplete());
    processes.killAll();
    filesystem.closeAll();
    Promise<Void> done = Promise.promise();
    Future<Void> ci = interpreter == null ? Future.succeededFuture() : interpreter.close();
    Future<Void> envdClosed =
        aborted
            .future()
            .compose(
                x -> {
                  vertx.cancelTimer(guard);
                  return envd.close();
                });
    Future.join(ci, envdClosed)
        .onComplete(
            x -> {
              release(envdKey);
              release(interpreterKey);
              done.complete();
            });
    closing = done.future();
    return closing;
  }
}
