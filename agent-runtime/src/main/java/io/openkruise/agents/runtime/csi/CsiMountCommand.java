package io.openkruise.agents.runtime.csi;

import io.openkruise.agents.envd.RuntimeEnv;
import io.openkruise.agents.envd.csi.NodePublishRequest;
import io.openkruise.agents.runtime.paths.SandboxPaths;
import io.openkruise.agents.runtime.process.BuiltinCommand;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The dynamic CSI mount helper that sandbox-manager runs through {@code process.Process/Start}:
 * {@code sandbox-runtime-storage mount --driver <name> --config <base64 NodePublishVolumeRequest>}.
 *
 * <p>Local mode links the mount point to {@code <volumesDir>/<driver>/<volume>} so every sandbox
 * that mounts one volume sees the same files. Node mode bind-mounts the request's staged path.
 *
 * <p>Exit codes: 0 mounted, 2 bad request, 3 unknown driver, 4 unclean or busy mount point, 5 mount
 * failed.
 */
public final class CsiMountCommand implements BuiltinCommand {
  public static final String PROGRAM = "sandbox-runtime-storage";
  static final int EXIT_BAD_REQUEST = 2;
  static final int EXIT_UNKNOWN_DRIVER = 3;
  static final int EXIT_BAD_MOUNT_POINT = 4;
  static final int EXIT_MOUNT_FAILED = 5;

  /** sandbox-manager appends {@code -<6 random chars>} to the PV name to make the volume id. */
  private static final Pattern RANDOM_SUFFIX = Pattern.compile("-[a-z0-9]{6}$");

  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]+");

  private final SandboxPaths paths;
  private final Path volumesDir;
  private final List<String> drivers;
  private final boolean localMode;

  public CsiMountCommand(
      SandboxPaths paths, Path volumesDir, List<String> drivers, boolean localMode) {
    this.paths = paths;
    this.volumesDir = volumesDir;
    this.drivers = List.copyOf(drivers);
    this.localMode = localMode;
    if (localMode) {
      paths.allow(volumesDir);
    }
  }

  @Override
  public boolean matches(String cmd, List<String> args) {
    return cmd != null && (cmd.equals(PROGRAM) || cmd.endsWith("/" + PROGRAM));
  }

  /** Thrown to end the command with an exit code. */
  static final class Failure extends Exception {
    final int exitCode;

    Failure(int exitCode, String message) {
      super(message, null, false, false);
      this.exitCode = exitCode;
    }
  }

  @Override
  public int run(List<String> argv, Map<String, String> env, Output out) {
    try {
      String msg = mount(argv);
      out.stdout(msg + "\n");
      return 0;
    } catch (Failure f) {
      out.stderr("error: " + f.getMessage() + "\n");
      return f.exitCode;
    }
  }

  /** Parsed command line. */
  record Args(String driver, String config) {}

  static Args parseArgs(List<String> argv) throws Failure {
    if (argv.isEmpty() || !"mount".equals(argv.get(0))) {
      throw new Failure(
          EXIT_BAD_REQUEST,
          "usage: "
              + PROGRAM
              + " mount --driver <name> --config <base64 NodePublishVolumeRequest>");
    }
    String driver = null;
    String config = null;
    for (int i = 1; i < argv.size(); i++) {
      String a = argv.get(i);
      String value = null;
      String key = a;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        key = a.substring(0, eq);
        value = a.substring(eq + 1);
      } else if (i + 1 < argv.size()) {
        value = argv.get(i + 1);
      }
      switch (key) {
        case "--driver" -> driver = value;
        case "--config" -> config = value;
        default -> throw new Failure(EXIT_BAD_REQUEST, "unknown argument " + a);
      }
      if (eq < 0) {
        i++;
      }
    }
    if (driver == null || driver.isEmpty()) {
      throw new Failure(EXIT_BAD_REQUEST, "--driver is required");
    }
    if (config == null || config.isEmpty()) {
      throw new Failure(EXIT_BAD_REQUEST, "--config is required");
    }
    return new Args(driver, config);
  }

  /** A mount point must be absolute and already clean (what sandbox-manager validates too). */
  static void checkMountPoint(String target) throws Failure {
    if (target.isEmpty()) {
      throw new Failure(EXIT_BAD_REQUEST, "request has no target_path");
    }
    boolean clean =
        target.startsWith("/")
            && !target.equals("/")
            && !target.endsWith("/")
            && !target.contains("//");
    for (String seg : target.split("/")) {
      if (seg.equals("..") || seg.equals(".")) {
        clean = false;
      }
    }
    if (!clean) {
      throw new Failure(
          EXIT_BAD_MOUNT_POINT, "mount point " + target + " must be an absolute, clean path");
    }
  }

  /** Directory name shared by every mount of one volume. */
  static String volumeKey(NodePublishRequest req) throws Failure {
    String id = req.volumeId();
    if (id.isEmpty()) {
      throw new Failure(EXIT_BAD_REQUEST, "request has no volume_id");
    }
    String key = RANDOM_SUFFIX.matcher(id).replaceFirst("");
    if (!SAFE_NAME.matcher(key).matches() || key.equals(".") || key.equals("..")) {
      throw new Failure(EXIT_BAD_REQUEST, "volume_id " + id + " is not a safe directory name");
    }
    return key;
  }

  String mount(List<String> argv) throws Failure {
    Args args = parseArgs(argv);
    NodePublishRequest req;
    try {
      req = NodePublishRequest.fromBase64(args.config());
    } catch (IllegalArgumentException e) {
      throw new Failure(
          EXIT_BAD_REQUEST, "cannot decode NodePublishVolumeRequest: " + e.getMessage());
    }
    if (!drivers.contains(args.driver())) {
      throw new Failure(
          EXIT_UNKNOWN_DRIVER,
          "unknown CSI driver "
              + args.driver()
              + " (supported: "
              + String.join(", ", drivers)
              + ")");
    }
    checkMountPoint(req.targetPath());
    String key = volumeKey(req);
    return localMode ? mountLocal(args.driver(), key, req) : mountNode(req);
  }

  private String mountLocal(String driver, String key, NodePublishRequest req) throws Failure {
    Path volume = volumesDir.resolve(driver).resolve(key);
    Path target = paths.toHostLexical(req.targetPath());
    try {
      Files.createDirectories(volume);
      if (Files.isSymbolicLink(target)) {
        if (Files.readSymbolicLink(target).equals(volume)) {
          return "volume " + key + " already mounted at " + req.targetPath();
        }
        throw new Failure(
            EXIT_BAD_MOUNT_POINT, "mount point " + req.targetPath() + " is already a mount");
      }
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        if (!Files.isDirectory(target) || !isEmpty(target)) {
          throw new Failure(
              EXIT_BAD_MOUNT_POINT,
              "mount point " + req.targetPath() + " exists and is not an empty directory");
        }
        Files.delete(target);
      }
      // The parent must stay inside the sandbox (no symlinked escape on the way).
      paths.resolve(req.targetPath(), "/");
      Files.createDirectories(target.getParent());
      Files.createSymbolicLink(target, volume);
      return "mounted volume " + key + " (" + driver + ") at " + req.targetPath();
    } catch (IOException e) {
      throw new Failure(EXIT_MOUNT_FAILED, "mount failed: " + e);
    }
  }

  private String mountNode(NodePublishRequest req) throws Failure {
    String source = req.stagingTargetPath();
    if (source.isEmpty()) {
      source = req.volumeContext().getOrDefault("source", "");
    }
    if (source.isEmpty() || !Files.isDirectory(Path.of(source))) {
      throw new Failure(
          EXIT_MOUNT_FAILED,
          "no staged path to bind for volume "
              + req.volumeId()
              + "; publishing through the driver's node plugin socket is not supported");
    }
    Path target = Path.of(req.targetPath());
    try {
      Files.createDirectories(target);
      if (!isEmpty(target)) {
        throw new Failure(
            EXIT_BAD_MOUNT_POINT, "mount point " + req.targetPath() + " is not empty");
      }
    } catch (IOException e) {
      throw new Failure(EXIT_MOUNT_FAILED, "cannot prepare mount point: " + e);
    }
    List<String> cmd = new ArrayList<>(List.of("mount", "--bind", source, req.targetPath()));
    run(cmd);
    if (req.readonly()) {
      run(List.of("mount", "-o", "remount,bind,ro", req.targetPath()));
    }
    return "bind-mounted " + source + " at " + req.targetPath();
  }

  private static void run(List<String> cmd) throws Failure {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      // Children never see the runtime's bootstrap token.
      pb.environment().remove(RuntimeEnv.BOOTSTRAP_TOKEN);
      Process p = pb.start();
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new Failure(EXIT_MOUNT_FAILED, String.join(" ", cmd) + " failed: " + output.trim());
      }
    } catch (IOException e) {
      throw new Failure(EXIT_MOUNT_FAILED, String.join(" ", cmd) + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(EXIT_MOUNT_FAILED, "interrupted");
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      return !ds.iterator().hasNext();
    }
  }
}
