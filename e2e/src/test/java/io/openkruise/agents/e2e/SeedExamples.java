package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The seed examples over HTTPS in the real Python SDK ({@code e2e/ingress/seed_examples.py}):
 * private mode ({@code patch_e2b(https=True)}) or native mode ({@code <port>-<sandbox>.<domain>},
 * the domain and its subdomains resolved to 127.0.0.1 in the SDK's process only), trusting only the
 * given CA. Shared by the tests that put the manager behind a real Ingress controller.
 */
final class SeedExamples {
  private SeedExamples() {}

  /**
   * Runs the script and returns its output; fails with it, and {@code diagnostics}, unless it exits
   * 0.
   */
  static String run(
      Path python,
      Path root,
      String mode,
      String domain,
      Path caFile,
      String apiKey,
      Supplier<String> diagnostics)
      throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                python.toString(), root.resolve("e2e/ingress/seed_examples.py").toString())
            .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("E2B_"));
    env.put("E2B_API_KEY", apiKey);
    env.put("E2B_DOMAIN", domain);
    env.put("KRUISE_MODE", mode);
    env.put("KRUISE_HTTPS", "1");
    // The SDK trusts the local CA: ssl (httpx) and pyqwest read it from here.
    env.put("SSL_CERT_FILE", caFile.toString());
    env.put("REQUESTS_CA_BUNDLE", caFile.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    System.out.println("--- seed examples, " + mode + " mode:\n" + out);
    if (p.exitValue() != 0) {
      throw new AssertionError("seed examples failed:\n" + out + "\n" + diagnostics.get());
    }
    return out;
  }

  /** Every step of the script printed its expected result. */
  static void assertRan(String out) {
    assertThat(out)
        .containsPattern("SANDBOX [a-z0-9]{20}\\b")
        .contains("CMD hello-from-42")
        .contains("FILE through-the-ingress")
        .contains("LISTED True")
        .contains("CODE 42")
        .contains("RUNNING True")
        .contains("KILLED True")
        .contains("GONE True");
  }
}
