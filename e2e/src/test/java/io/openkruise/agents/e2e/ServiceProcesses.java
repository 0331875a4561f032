package io.openkruise.agents.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts the built controller-manager and sandbox-manager apps as processes against a kubeconfig,
 * the way bin/run-local and a cluster run them, and stops them (and their children) again.
 */
final class ServiceProcesses implements AutoCloseable {

  private final Path root = projectRoot();
  private final Path logs;

  /** The control-plane key (env {@code KRUISE_SANDBOX_KEY}) every started service shares. */
  static final String SANDBOX_KEY = "e2e-sandbox-key-0123456789abcdef0123456789";

  private final List<Process> processes = new ArrayList<>();

  ServiceProcesses(Path logs) {
    this.logs = logs;
  }

  /** Starts one service app; returns its HTTP port once {@code /q/health/ready} answers 200. */
  int start(String module, Map<String, String> env) throws Exception {
    Path app = root.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    if (!Files.exists(app)) {
      throw new IllegalStateException(
          app + " is missing: build the reactor first (./mvnw package)");
    }
    int port = freePort();
    Files.createDirectories(logs);
    Path log = logs.resolve(module + "-" + port + ".log");
    ProcessBuilder pb =
        new ProcessBuilder("java", "-Xmx256m", "-jar", app.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // Both services must derive the same per-sandbox secrets: one key for every process started
    // here.
    pb.environment().put("KRUISE_SANDBOX_KEY", SANDBOX_KEY);
    pb.environment().putAll(env);
    pb.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
    processes.add(pb.start());
    awaitReady(port, log);
    return port;
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

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("controller-manager"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          "cannot find the project root from " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
