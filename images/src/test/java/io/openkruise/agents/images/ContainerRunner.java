package io.openkruise.agents.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an unpacked image's entrypoint the way a kubelet would with the chart's security context:
 * chroot into the image's file system, as its numeric user (65532), with the root file system
 * mounted read-only, an empty writable tmpfs on /tmp (the chart's emptyDir), /proc, and the image's
 * environment only. Needs root (or passwordless sudo) for the private mount namespace; {@link
 * #available()} says whether this machine has it.
 */
final class ContainerRunner {
  private static final String SCRIPT =
      """
      #!/bin/sh
      # usage: run-in-image ROOTFS USER [VOLUME_HOST VOLUME_PATH|- -] [FILE_INTO_TMP|-] -- ENV... -- CMD...
      set -eu
      R=$1; U=$2; VH=$3; VP=$4; F=$5; shift 5
      mount --make-rprivate / 2>/dev/null || true
      mount --bind "$R" "$R"
      mount -o remount,bind,ro "$R"
      mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
      mount -t proc proc "$R/proc"
      mount --rbind /dev "$R/dev"
      if [ "$VH" != - ]; then mkdir -p "$R$VP"; fi
      if [ "$VH" != - ]; then mount --bind "$VH" "$R$VP"; fi
      if [ "$F" != - ]; then cp "$F" "$R/tmp/"; chmod 644 "$R/tmp/$(basename "$F")"; fi
      [ "$1" = -- ] && shift
      ENV=""
      while [ "$1" != -- ]; do ENV="$ENV $1"; shift; done
      shift
      cd /
      # shellcheck disable=SC2086
      exec env -i $ENV chroot --userspec="$U" "$R" "$@"
      """;

  private final Path script;
  private final List<String> prefix;

  private ContainerRunner(Path script, List<String> prefix) {
    this.script = script;
    this.prefix = prefix;
  }

  static ContainerRunner create(Path dir) throws Exception {
    Path script = dir.resolve("run-in-image");
    Files.writeString(script, SCRIPT);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> prefix = new ArrayList<>();
    if (!isRoot()) {
      prefix.add("sudo");
      prefix.add("-n");
    }
    prefix.addAll(List.of("unshare", "--mount"));
    return new ContainerRunner(script, prefix);
  }

  /** Whether chroot and a private mount namespace are possible here (root or sudo -n). */
  static boolean available() {
    try {
      if (!onPath("unshare") || !onPath("chroot")) {
        return false;
      }
      if (isRoot()) {
        return true;
      }
      Process p = new ProcessBuilder("sudo", "-n", "true").redirectErrorStream(true).start();
      return p.waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /**
   * Starts the image's entrypoint (plus {@code extraArgs}); {@code env} is added to the image's.
   *
   * @param volume host directory bind-mounted at {@code volumePath} inside, or null
   * @param fileIntoTmp a host file copied into the container's /tmp before start, or null
   */
  Process start(
      ImageTar image,
      Map<String, String> env,
      List<String> extraArgs,
      Path volume,
      String volumePath,
      Path fileIntoTmp,
      Path log)
      throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(script.toString());
    cmd.add(image.rootfs().toString());
    cmd.add(image.user());
    cmd.add(volume == null ? "-" : volume.toString());
    cmd.add(volume == null ? "-" : volumePath);
    cmd.add(fileIntoTmp == null ? "-" : fileIntoTmp.toString());
    cmd.add("--");
    cmd.addAll(image.env());
    env.forEach((k, v) -> cmd.add(k + "=" + v));
    cmd.add("--");
    cmd.addAll(image.entrypoint());
    cmd.addAll(extraArgs);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /**
   * The agent-runtime image as a pod's sidecar: copies its bundle to {@code workspace} of {@code
   * volume} (mounted at /tmp/shared, as the pod's emptyDir) and exits. Fails unless it finished
   * within {@code timeoutSeconds} with exit code 0 (its log in {@code work/<name>.log}).
   */
  static void copyAgentRuntimeBundle(
      Path work, String name, Path volume, String workspace, long timeoutSeconds) throws Exception {
    ImageTar sidecar = ImageTar.unpack(ImageTar.ofModule("agent-runtime"), work.resolve(name));
    Path log = work.resolve(name + ".log");
    Process copy =
        create(work)
            .start(
                sidecar,
                // Its root is read-only (see start); the volume goes under its /tmp.
                Map.of("AGENT_RUNTIME_WORKSPACE", workspace, "AGENT_RUNTIME_COPY_ONLY", "true"),
                List.of(),
                volume,
                "/tmp/shared",
                null,
                log);
    assertThat(copy.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("sidecar copy finished").isTrue();
    reclaim(volume);
    assertThat(copy.exitValue()).as(Files.readString(log)).isZero();
  }

  /**
   * Gives files the image's user (65532) wrote into a host directory back to the test's user, so
   * that JUnit can delete its temp directory when the tests run through sudo (GitHub runners).
   */
  static void reclaim(Path dir) throws IOException, InterruptedException {
    if (isRoot()) {
      return;
    }
    Process id = new ProcessBuilder("id", "-u").start();
    String uid = new String(id.getInputStream().readAllBytes()).trim();
    id.waitFor();
    new ProcessBuilder("sudo", "-n", "chown", "-R", uid, dir.toString())
        .redirectErrorStream(true)
        .start()
        .waitFor();
  }

  private static boolean isRoot() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("id", "-u").start();
    String uid = new String(p.getInputStream().readAllBytes()).trim();
    p.waitFor();
    return uid.equals("0");
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", tool))
        || Files.isExecutable(Path.of("/usr/bin", tool));
  }
}
