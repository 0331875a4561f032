package io.openkruise.agents.localcluster.kube;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Finds the etcd, kube-apiserver and kube-controller-manager binaries. They are built from Go
 * modules by {@code local-cluster/bin/install-kube} (cached per machine; a cached run is instant),
 * which we run ourselves so that {@code ./mvnw verify} needs no extra step on a fresh machine.
 */
public record KubeBinaries(Path dir, Path etcd, Path apiServer, Path controllerManager) {

  /** Use these binaries instead of running the install script. */
  public static final String BIN_DIR_PROPERTY = "kruise.local-cluster.bin-dir";

  /** Path of the install script when it is not found by walking up from the working directory. */
  public static final String SCRIPT_PROPERTY = "kruise.local-cluster.install-script";

  static final String SCRIPT_RELATIVE = "local-cluster/bin/install-kube";

  public static KubeBinaries in(Path dir) {
    Path d = dir.toAbsolutePath().normalize();
    KubeBinaries b =
        new KubeBinaries(
            d,
            d.resolve("etcd"),
            d.resolve("kube-apiserver"),
            d.resolve("kube-controller-manager"));
    for (Path p : List.of(b.etcd, b.apiServer, b.controllerManager)) {
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException("missing or not executable: " + p);
      }
    }
    return b;
  }

  /**
   * Resolves the binaries: {@value #BIN_DIR_PROPERTY} if set, else the install script (found via
   * {@value #SCRIPT_PROPERTY} or by walking up from {@code user.dir}), whose stderr is streamed to
   * {@code progress}.
   *
   * @throws IllegalStateException with the script's last lines when it fails
   */
  public static KubeBinaries resolve(PrintStream progress) {
    String binDir = System.getProperty(BIN_DIR_PROPERTY);
    if (binDir != null && !binDir.isBlank()) {
      return in(Path.of(binDir));
    }
    Path script =
        installScript()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "cannot find "
                            + SCRIPT_RELATIVE
                            + " above "
                            + System.getProperty("user.dir")
                            + " or "
                            + codeLocation()
                            + "; set -D"
                            + SCRIPT_PROPERTY
                            + "=<path> or -D"
                            + BIN_DIR_PROPERTY
                            + "=<dir with etcd, kube-apiserver, kube-controller-manager>"));
    return in(
        runScript(
            script,
            progress,
            "the real kube-apiserver cannot be used. Fix the cause, or run the mock tier"
                + " explicitly with -Dkruise.local-cluster.tier=mock."));
  }

  static Optional<Path> installScript() {
    String explicit = System.getProperty(SCRIPT_PROPERTY);
    if (explicit != null && !explicit.isBlank()) {
      return Optional.of(Path.of(explicit).toAbsolutePath());
    }
    return findScript(SCRIPT_RELATIVE);
  }

  /**
   * A script of this repository, e.g. {@code local-cluster/bin/install-node}, found by walking up
   * from {@code user.dir} or from our jar or classes dir.
   */
  public static Optional<Path> findScript(String relative) {
    Optional<Path> fromWorkingDir = findAbove(Path.of(System.getProperty("user.dir")), relative);
    return fromWorkingDir.isPresent() ? fromWorkingDir : findAbove(codeLocation(), relative);
  }

  private static Optional<Path> findAbove(Path start, String relative) {
    for (Path dir = start == null ? null : start.toAbsolutePath();
        dir != null;
        dir = dir.getParent()) {
      Path candidate = dir.resolve(relative);
      if (Files.isRegularFile(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Our jar or classes dir (inside the checkout when run from a build): found from any cwd. */
  private static Path codeLocation() {
    try {
      var source = KubeBinaries.class.getProtectionDomain().getCodeSource();
      return source == null ? null : Path.of(source.getLocation().toURI());
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Runs an install script with the output contract of install-kube: progress on stderr (streamed
   * to {@code progress}), one stdout line, a path, printed last on success.
   *
   * @param failureHint appended to the error message when the script fails
   */
  public static Path runScript(Path script, PrintStream progress, String failureHint) {
    return runScript(script, List.of(), progress, failureHint);
  }

  /** As {@link #runScript(Path, PrintStream, String)}, with arguments. */
  public static Path runScript(
      Path script, List<String> args, PrintStream progress, String failureHint) {
    List<String> tail = new ArrayList<>();
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(args);
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      // stderr is progress (minutes on a cold machine): show it as it comes.
      CompletableFuture<Void> errors =
          CompletableFuture.runAsync(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    progress.println(line);
                    synchronized (tail) {
                      tail.add(line);
                      if (tail.size() > 20) {
                        tail.remove(0);
                      }
                    }
                  }
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int rc = p.waitFor();
      errors.join();
      Optional<String> last = lastLine(stdout);
      if (rc != 0 || last.isEmpty()) {
        throw new IllegalStateException(
            script
                + " failed (exit "
                + rc
                + "); "
                + failureHint
                + " Last output:\n  "
                + String.join("\n  ", tail));
      }
      return Path.of(last.get());
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + script, e);
    }
  }

  static Optional<String> lastLine(String stdout) {
    String[] lines = stdout.strip().split("\n");
    String last = lines[lines.length - 1].strip();
    return last.isEmpty() ? Optional.empty() : Optional.of(last);
  }

  /** The version the apiserver binary reports, e.g. {@code v1.37.2}. */
  public String version() {
    try {
      Process p =
          new ProcessBuilder(apiServer.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      p.waitFor();
      int space = out.lastIndexOf(' ');
      return space < 0 ? out : out.substring(space + 1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
