package io.openkruise.agents.images;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.localcluster.LocalCluster;
import io.openkruise.agents.localcluster.junit.WithLocalCluster;
import io.openkruise.agents.testing.Namespaces;
import io.openkruise.agents.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each image tar the build wrote, unpacked and started from its own file system with its own
 * entrypoint, user, environment and JRE, on a read-only root with only /tmp writable (the chart's
 * security context): the services must become ready against a real kube-apiserver, the
 * agent-runtime must copy its bundle into a volume (sidecar mode) and serve commands and Python
 * (standalone mode). Where chroot is impossible (no root, no passwordless sudo) the services' apps
 * are still started with the image's JRE on the host's libraries, a weaker check that says so.
 */
@WithLocalCluster
@io.openkruise.agents.testing.tier.E2eTier
class ImageEntrypointTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final String ADMIN_KEY = "e2b_" + "0123456789abcdef".repeat(2) + "01234567";
  private static final String SANDBOX_KEY = "89abcdef".repeat(8);

  @TempDir static Path work;
  private static LocalCluster cluster;

  @BeforeAll
  static void setUp(LocalCluster c, KubernetesClient client) {
    cluster = c;
    Namespaces.ensure(client, "sandbox-system");
  }

  @Test
  void imagesAreNamedAsTheChartExpectsAndRunAsNonRoot() throws Exception {
    for (String module : List.of("controller-manager", "sandbox-manager", "agent-runtime")) {
      ImageTar image = ImageTar.unpack(ImageTar.ofModule(module), work.resolve("names-" + module));
      String expected =
          System.getProperty("image.repository.prefix")
              + "-"
              + module
              + ":"
              + System.getProperty("image.tag");
      // Jib drops the default registry (docker.io) from the tag it records.
      assertThat(image.repoTags()).hasSize(1);
      assertThat(image.repoTags().get(0)).endsWith(expected);
      assertThat(image.user()).isEqualTo("65532:65532");
      assertThat(image.config().path("Labels").path("io.openkruise.agents.base").asText())
          .isNotEmpty();
    }
  }

  @Test
  void sandboxManagerImageBecomesReady() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("E2B_ADMIN_API_KEY", ADMIN_KEY);
    env.put("E2B_DOMAIN", "localhost");
    env.put("KRUISE_SYSTEM_NAMESPACE", "sandbox-system");
    startServiceImage("sandbox-manager", env);
  }

  @Test
  void controllerManagerImageBecomesReady() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("KRUISE_CONTROLLER_SYSTEM_NAMESPACE", "sandbox-system");
    startServiceImage("controller-manager", env);
  }

  @Test
  void agentRuntimeImageCopiesItsBundleAsASidecar() throws Exception {
    assumeChroot();
    Path volume = Files.createDirectories(work.resolve("ar-volume"));
    // The pod's emptyDir is world-writable; the image runs as 65532.
    ImageTar.run(List.of("chmod", "1777", volume.toString()));
    ContainerRunner.copyAgentRuntimeBundle(
        work, "ar-sidecar", volume, "/tmp/shared/agent-runtime", 60);
    Path bundle = volume.resolve("agent-runtime");
    assertThat(bundle.resolve("bin/agent-runtime-start.sh")).isExecutable();
    assertThat(bundle.resolve("jre/bin/java")).isExecutable();
    assertThat(bundle.resolve("jre/lib/jspawnhelper")).isExecutable();
    assertThat(bundle.resolve("lib/agent-runtime.jar")).exists();
    assertThat(bundle.resolve(".bundle-id")).exists();
  }

  @Test
  void agentRuntimeImageServesPythonAndShellCommandsStandalone() throws Exception {
    assumeChroot();
    ImageTar image = ImageTar.unpack(ImageTar.ofModule("agent-runtime"), work.resolve("ar-alone"));
    int envd = Ports.free();
    int interpreter = Ports.free();
    Path log = work.resolve("agent-runtime-standalone.log");
    Process p =
        ContainerRunner.create(work)
            .start(
                image,
                Map.of(
                    "AGENT_RUNTIME_HOST", "127.0.0.1",
                    "AGENT_RUNTIME_PORT", String.valueOf(envd),
                    "AGENT_RUNTIME_CODE_INTERPRETER", "true",
                    "AGENT_RUNTIME_CODE_INTERPRETER_PORT", String.valueOf(interpreter),
                    "AGENT_RUNTIME_VOLUMES_DIR", "/tmp/volumes",
                    // Standalone: no control plane hands it a bootstrap token.
                    "AGENT_RUNTIME_UNAUTHENTICATED", "true"),
                List.of(),
                null,
                null,
                null,
                log);
    try {
      awaitStatus(envd, "/health", 204, p, log);
      String code =
          "import subprocess\\n"
              + "print(6 * 7)\\n"
              + "print(subprocess.run(['sh', '-c', 'echo from-$(basename $SHELL)-$((40 + 2))'],"
              + " capture_output=True, text=True).stdout.strip())\\n"
              + "print(subprocess.run(['/usr/bin/script', '--version'], capture_output=True,"
              + " text=True).stdout.split()[0])";
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + interpreter + "/execute"))
                  .timeout(Duration.ofSeconds(60))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"code\": \"" + code + "\"}"))
                  .header("Content-Type", "application/json")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body())
          .contains("42")
          .contains("from-")
          .contains("script")
          .doesNotContain("\"error\"");
    } finally {
      stop(p);
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  private void startServiceImage(String module, Map<String, String> extraEnv) throws Exception {
    ImageTar image = ImageTar.unpack(ImageTar.ofModule(module), work.resolve(module));
    int port = Ports.free();
    int management = Ports.free();
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
    // Health is on the management port only (the chart's probes use it too).
    env.put("QUARKUS_MANAGEMENT_PORT", String.valueOf(management));
    env.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
    env.put("KRUISE_SANDBOX_KEY", SANDBOX_KEY);
    Path log = work.resolve(module + ".log");
    Process p;
    if (ContainerRunner.available()) {
      env.put("KUBECONFIG", "/tmp/kubeconfig");
      p =
          ContainerRunner.create(work)
              .start(image, env, List.of(), null, null, cluster.kubeconfig(), log);
    } else {
      System.out.println(
          "ImageEntrypointTest: no root and no passwordless sudo, so no chroot: starting "
              + module
              + "'s app with the image's JRE on this host's libraries (weaker check).");
      env.put("KUBECONFIG", cluster.kubeconfig().toString());
      List<String> cmd = new ArrayList<>();
      for (String arg : image.entrypoint()) {
        Path inImage = image.rootfs().resolve(arg.startsWith("/") ? arg.substring(1) : arg);
        cmd.add(arg.startsWith("/") && Files.exists(inImage) ? inImage.toString() : arg);
      }
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(env);
      p = pb.start();
    }
    try {
      awaitStatus(management, "/q/health/ready", 200, p, log);
    } finally {
      stop(p);
    }
  }

  private static void assumeChroot() {
    Assumptions.assumeTrue(
        ContainerRunner.available(),
        "needs root or passwordless sudo (chroot into the agent-runtime image's file system)");
  }

  private static void awaitStatus(int port, String path, int status, Process p, Path log)
      throws Exception {
    Instant deadline = Instant.now().plusSeconds(120);
    int last = -1;
    while (Instant.now().isBefore(deadline)) {
      if (!p.isAlive()) {
        throw new AssertionError("exited with " + p.exitValue() + "; log:\n" + tail(log));
      }
      try {
        last =
            HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode();
        if (last == status) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError(path + " answered " + last + " for 120 s; log:\n" + tail(log));
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(15, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
