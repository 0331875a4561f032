package io.openkruise.agents.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The unpatched npm E2B SDK against a sandbox behind the proxy: {@code
 * sandbox-manager/src/test/js/proxy-sdk.cjs} (commands and files) on the SDK agent-runtime's tests
 * install under {@code agent-runtime/src/test/js/node_modules}.
 */
public final class JsSdkScript {

  private JsSdkScript() {}

  /** The npm SDK's install directory in this repository. */
  public static Path nodeModules(Path repoRoot) {
    return repoRoot.resolve("agent-runtime/src/test/js/node_modules");
  }

  /** Whether the npm SDK is installed (agent-runtime's tests install it). */
  public static boolean installed(Path repoRoot) {
    return Files.isDirectory(nodeModules(repoRoot).resolve("e2b"));
  }

  /**
   * Runs the script and asserts it finished within two minutes with {@code SDK-OK}; the script
   * writes {@code hello file} to {@code filePath} in the sandbox.
   *
   * @param apiUrl the E2B API ({@code E2B_API_URL})
   * @param sandboxUrl where sandbox traffic goes, routed by headers ({@code E2B_SANDBOX_URL})
   * @return the script's output
   */
  public static String run(
      Path repoRoot,
      String apiUrl,
      String sandboxUrl,
      String apiKey,
      String sandboxId,
      String filePath)
      throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                "node", repoRoot.resolve("sandbox-manager/src/test/js/proxy-sdk.cjs").toString())
            .redirectErrorStream(true);
    pb.environment().put("NODE_PATH", nodeModules(repoRoot).toString());
    pb.environment().put("E2B_API_URL", apiUrl);
    pb.environment().put("E2B_SANDBOX_URL", sandboxUrl);
    pb.environment().put("E2B_API_KEY", apiKey);
    pb.environment().put("E2B_DOMAIN", "localhost");
    pb.environment().put("SANDBOX_ID", sandboxId);
    pb.environment().put("FILE_PATH", filePath);
    Process p = pb.start();
    boolean exited = p.waitFor(120, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!exited) {
      p.destroyForcibly();
    }
    assertThat(exited).as(out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("SDK-OK");
    return out;
  }
}
