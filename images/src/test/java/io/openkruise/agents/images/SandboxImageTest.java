package io.openkruise.agents.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.envd.RuntimeEnv;
import io.openkruise.agents.testing.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox image (images/bin/base-image sandbox) as a pool's main container, wired as in
 * deploy/examples/sandboxset-sandbox.yaml: the agent-runtime image's entrypoint copies its bundle
 * into a shared directory (the sidecar and the emptyDir), runc starts the sandbox image from its
 * own file system, user, environment and entrypoint with that directory at /mnt/agent-runtime, and
 * {@code runc exec} runs agent-runtime-start.sh as kubelet runs the postStart hook. Everything
 * after that goes through the runtime's real HTTP APIs, as the SDKs do: {@code /init} with the
 * bootstrap token, commands, {@code /files}, and {@code /execute} on the code interpreter.
 *
 * <p>Needs root and runc (the real-node tier's runc); skips with the reason otherwise.
 */
@io.openkruise.agents.testing.tier.E2eTier
class SandboxImageTest {
  private static final String BOOTSTRAP = UUID.randomUUID().toString();
  private static final String ACCESS = UUID.randomUUID().toString();

  @TempDir static Path work;
  private static RuncContainer container;
  private static EnvdClient envd;
  private static ImageTar image;

  @BeforeAll
  static void startSandbox() throws Exception {
    String reason = RuncContainer.unavailableReason();
    if (reason == null && !ContainerRunner.available()) {
      reason = "no unshare/chroot for the agent-runtime sidecar's copy";
    }
    if (reason != null) {
      System.out.println("SandboxImageTest skipped: " + reason);
    }
    Assumptions.assumeTrue(reason == null, reason);
    Path tar = ImageTar.sandbox();
    if (!Files.exists(tar)) {
      throw new IllegalStateException(
          tar
              + " is missing: `./mvnw -pl images -am verify` links it (images/bin/base-image sandbox)");
    }
    image = ImageTar.unpack(tar, work.resolve("sandbox"));

    // The sidecar: the agent-runtime image copies its bundle into the (world-writable) emptyDir.
    Path emptyDir = Files.createDirectories(work.resolve("empty-dir"));
    ImageTar.run(List.of("chmod", "0777", emptyDir.toString()));
    ContainerRunner.copyAgentRuntimeBundle(work, "agent-runtime", emptyDir, "/tmp/shared", 120);

    // The main container. The host's network namespace, so the ports are picked free here
    // (in a pod they are the defaults, 49983 and 49999); the controller sets the token.
    int envdPort = Ports.free();
    int interpreterPort = Ports.free();
    container =
        RuncContainer.start(
            image,
            work.resolve("main"),
            Map.of(
                RuntimeEnv.BOOTSTRAP_TOKEN,
                BOOTSTRAP,
                "AGENT_RUNTIME_HOST",
                "127.0.0.1",
                "AGENT_RUNTIME_PORT",
                String.valueOf(envdPort),
                "AGENT_RUNTIME_CODE_INTERPRETER",
                "true",
                "AGENT_RUNTIME_CODE_INTERPRETER_PORT",
                String.valueOf(interpreterPort),
                // A loaded 2-core CI machine can take longer than the default 20 s to start a JVM.
                "AGENT_RUNTIME_WAIT_SECONDS",
                "120"),
            Map.of("/mnt/agent-runtime", emptyDir));
    RuncContainer.Result postStart =
        container.exec(List.of("/mnt/agent-runtime/bin/agent-runtime-start.sh"), 180);
    assertThat(postStart.exitCode())
        .as("postStart: %s%ncontainer: %s", postStart.output(), container.log())
        .isZero();
    envd = new EnvdClient(envdPort, interpreterPort, ACCESS);
    envd.init(BOOTSTRAP);
  }

  @AfterAll
  static void stopSandbox() throws Exception {
    if (container != null) {
      container.close();
    }
  }

  @Test
  void imageHasTheDocumentedNameAndUser() {
    assertThat(image.repoTags()).containsExactly("localhost/kruise-agents/sandbox:r1");
    assertThat(image.user()).isEqualTo("1000:1000");
    assertThat(image.config().path("WorkingDir").asText()).isEqualTo("/home/user");
  }

  @Test
  void commandsRunAsUserInHomeAndSudoWorks() throws Exception {
    assertThat(ok("whoami")).isEqualTo("user");
    assertThat(ok("pwd")).isEqualTo("/home/user");
    assertThat(ok("echo $HOME")).isEqualTo("/home/user");
    assertThat(ok("sudo -n whoami")).isEqualTo("root");
    assertThat(ok("sudo -n true && echo $USER")).isEqualTo("user");
  }

  @Test
  void pythonHasTheCodeInterpreterPackages() throws Exception {
    assertThat(ok("python3 --version")).startsWith("Python 3.");
    assertThat(ok("python --version")).isEqualTo(ok("python3 --version"));
    assertThat(ok("pip --version")).startsWith("pip ");
    assertThat(
            ok(
                "python -c 'import numpy, pandas, matplotlib, IPython, ipykernel;"
                    + " import matplotlib.pyplot as plt; print(matplotlib.get_backend())'"))
        .isEqualTo("agg");
  }

  @Test
  void userlandAndKernelFilesArePresent() throws Exception {
    assertThat(ok("cat /proc/sys/kernel/random/boot_id"))
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    assertThat(
            ok(
                "for t in ls cat grep sed awk tar gzip ps curl less sudo; do command -v $t >/dev/null"
                    + " || echo missing $t; done; echo done"))
        .isEqualTo("done");
  }

  @Test
  void filesWrittenThroughTheFilesApiLandInHomeOwnedByUser() throws Exception {
    envd.write("from-files-api.txt", "written by the files API\n");
    assertThat(ok("stat -c '%U:%G %n' /home/user/from-files-api.txt"))
        .isEqualTo("user:user /home/user/from-files-api.txt");
    assertThat(ok("cat from-files-api.txt")).isEqualTo("written by the files API");
  }

  @Test
  void runCodeKeepsStateAndRendersMatplotlib() throws Exception {
    assertThat(errors(envd.execute("x = 1"))).isEmpty();
    List<JsonNode> second = envd.execute("x + 1");
    assertThat(errors(second)).isEmpty();
    assertThat(second)
        .filteredOn(e -> e.path("type").asText().equals("result"))
        .extracting(e -> e.path("text").asText())
        .containsExactly("2");
    List<JsonNode> plot =
        envd.execute(
            "import matplotlib.pyplot as plt\nimport pandas as pd\n"
                + "pd.Series([1, 3, 2]).plot()\nplt.show()");
    assertThat(errors(plot)).isEmpty();
    assertThat(plot).anyMatch(e -> e.path("png").asText().length() > 100);
  }

  @Test
  void theRuntimesJvmLeavesNothingInTheSandboxesTmp() throws Exception {
    // The user sees /tmp (`ls -a /tmp`); the JVM's perf data and Vert.x's file cache belong in
    // the runtime's own directory.
    assertThat(ok("ls -A /tmp; echo end").lines().toList())
        .as("/tmp after the runtime started")
        .noneMatch(f -> f.startsWith("hsperfdata_") || f.startsWith("vertx-cache"));
  }

  // --- helpers -------------------------------------------------------------------------------

  /** Runs a command that must succeed; its trimmed stdout. */
  private static String ok(String command) throws Exception {
    EnvdClient.Command c = envd.run(command);
    assertThat(c.exitCode()).as("`%s` failed: %s%s", command, c.stdout(), c.stderr()).isZero();
    return c.stdout().trim();
  }

  private static List<JsonNode> errors(List<JsonNode> events) {
    return events.stream().filter(e -> e.path("type").asText().equals("error")).toList();
  }
}
