package io.openkruise.agents.e2e;

import io.openkruise.agents.testing.Ports;
import io.openkruise.agents.testing.Repository;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the built controller-manager and sandbox-manager apps as processes against a kubeconfig,
 * the way bin/run-local and a cluster run them, and stops them (and their children) again. A JUnit
 * extension: registered as a static {@code @RegisterExtension} field, a process started before the
 * class's tests (in {@code @BeforeAll}) stops after the class, and one started in a test (or its
 * {@code @BeforeEach}) stops after that test. Logs stay in {@code target/e2e-logs/<name>}; a
 * process started in a test logs in a directory of that test's own below it.
 */
final class ServiceProcesses implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {

  private final Path root = Repository.root();
  private final Path logs;
  private final List<Process> processes = new ArrayList<>();
  private final Map<Integer, Integer> managementPorts = new HashMap<>();
  private final Map<Integer, Process> byPort = new HashMap<>();
  private final Deque<AutoCloseable> closeAfter = new ArrayDeque<>();

  /** Where a process started now logs: {@link #logs}, or the running test's directory. */
  private Path logsNow;

  /** How many of {@link #processes} were started before the running test, or -1 between tests. */
  private int beforeTest = -1;

  /** One control-plane key for every service of this run, as the chart's Secret gives both. */
  private final String sandboxKey = HexFormat.of().formatHex(randomBytes(32));

  /** Logs in {@code target/e2e-logs}. */
  ServiceProcesses() {
    this(Path.of("target", "e2e-logs"));
  }

  /** Logs in {@code target/e2e-logs/<name>}. */
  ServiceProcesses(String name) {
    this(Path.of("target", "e2e-logs", name));
  }

  private ServiceProcesses(Path logs) {
    this.logs = logs;
    this.logsNow = logs;
  }

  /** This extension's log directory ({@code target/e2e-logs/<name>}). */
  Path logs() {
    return logs;
  }

  /**
   * Closes {@code resource} after every process has stopped (at the end of the class): what the
   * services run against, such as a private cluster, its nodes or a relay to its API server.
   * Resources close in the reverse order of registration.
   *
   * @return {@code resource}
   */
  <T extends AutoCloseable> T closeAfterServices(T resource) {
    closeAfter.push(resource);
    return resource;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    beforeTest = processes.size();
    logsNow = logs.resolve(context.getRequiredTestMethod().getName());
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (beforeTest < 0) {
      return;
    }
    try {
      stop(processes.subList(beforeTest, processes.size()));
    } finally {
      beforeTest = -1;
      logsNow = logs;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Exception failed = null;
    try {
      stop(processes);
    } catch (Exception e) {
      failed = e;
    }
    while (!closeAfter.isEmpty()) {
      try {
        closeAfter.pop().close();
      } catch (Exception e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * Starts one service app; returns its HTTP port once {@code /q/health/ready} answers 200 on its
   * management port (127.0.0.1 only; {@link #managementPort}). {@code env} wins over the defaults
   * set here (ports, {@code KRUISE_SANDBOX_KEY}).
   */
  int start(String module, Map<String, String> env) throws Exception {
    Path app = root.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    if (!Files.exists(app)) {
      throw new IllegalStateException(
          app + " is missing: build the reactor first (./mvnw package)");
    }
    int port = Ports.free();
    int management = Ports.free();
    Files.createDirectories(logsNow);
    Path log = logsNow.resolve(module + "-" + port + ".log");
    ProcessBuilder pb =
        new ProcessBuilder("java", "-Xmx256m", "-jar", app.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("KRUISE_SANDBOX_KEY", sandboxKey);
    pb.environment().put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
    pb.environment().put("QUARKUS_MANAGEMENT_PORT", String.valueOf(management));
    pb.environment().putAll(env);
    pb.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
    Process process = pb.start();
    processes.add(process);
    byPort.put(port, process);
    awaitReady(management, log);
    managementPorts.put(port, management);
    return port;
  }

  /**
   * Kills the service started on {@code port} with SIGKILL (a crash: no shutdown hook, no Lease
   * released) and waits until it is gone.
   */
  void kill(int port) throws InterruptedException {
    Process p = byPort.get(port);
    p.destroyForcibly();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("service on :" + port + " outlived SIGKILL");
    }
  }

  /** The management port ({@code /q/*}) of the service started on {@code port}. */
  int managementPort(int port) {
    return managementPorts.get(port);
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

  private static void awaitReady(int port, Path log) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    Instant deadline = Instant.now().plusSeconds(120);
    while (Instant.now().isBefore(deadline)) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "service on :" + port + " not ready in 120 s; log tail:\n" + tail(log));
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  /**
   * Stops {@code started} (SIGTERM to each and its children, SIGKILL after 30 s) and forgets them.
   */
  private void stop(List<Process> started) throws InterruptedException {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
    for (Process p : started) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    started.clear();
  }
}
