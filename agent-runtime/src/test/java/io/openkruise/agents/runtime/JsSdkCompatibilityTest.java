package io.openkruise.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the real npm {@code e2b} and {@code @e2b/code-interpreter} SDKs (src/test/js) against one
 * runtime behind {@link SdkShim}. Node and npm are required: a missing toolchain fails the test.
 */
@io.openkruise.agents.testing.tier.UnitTier
class JsSdkCompatibilityTest {
  static final Path JS_DIR = Path.of("src/test/js").toAbsolutePath();

  @Test
  void realSdkPassesCommandsFilesAndRunCode() throws Exception {
    String node = which("node");
    String npm = which("npm");
    if (node == null || npm == null) {
      fail("node and npm must be on PATH to run the E2B JS SDK compatibility test");
    }
    ensureDependencies(npm);

    try (TestRuntime rt = TestRuntime.start(true)) {
      SdkShim shim = new SdkShim(rt.vertx, rt.runtime, "test-token-" + System.nanoTime());
      shim.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      try {
        Map<String, String> env =
            Map.of(
                "E2B_API_KEY",
                "e2b_0123456789abcdef0123456789abcdef01234567",
                "E2B_API_URL",
                "http://127.0.0.1:" + shim.apiPort(),
                "E2B_SANDBOX_URL",
                "http://127.0.0.1:" + shim.dataPort(),
                "E2B_DOMAIN",
                "local.test");
        Result r = run(List.of(node, "--test", "--test-reporter=tap", "sdk.test.mjs"), env, 120);
        assertThat(r.exitCode).as(r.output).isZero();
        assertThat(r.output).contains("# fail 0").containsPattern("# pass [1-9]");
      } finally {
        shim.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
  }

  /** {@code npm ci} only when node_modules is missing or older than the lockfile. */
  static void ensureDependencies(String npm) throws Exception {
    Path marker = JS_DIR.resolve("node_modules/.package-lock.json");
    Path lock = JS_DIR.resolve("package-lock.json");
    if (Files.exists(marker)
        && Files.getLastModifiedTime(marker).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
      return;
    }
    Result r = run(List.of(npm, "ci", "--no-audit", "--no-fund"), Map.of(), 300);
    assertThat(r.exitCode).as("npm ci failed:\n" + r.output).isZero();
  }

  record Result(int exitCode, String output) {}

  static Result run(List<String> cmd, Map<String, String> env, int timeoutSeconds)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("js-sdk-test", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(JS_DIR.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      return new Result(-1, "timed out:\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    System.out.println(out);
    return new Result(p.exitValue(), out);
  }

  static String which(String name) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (f.isFile() && f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    return null;
  }
}
