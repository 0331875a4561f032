package io.openkruise.agents.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One container run by runc from an unpacked image, set up the way containerd's CRI plugin sets up
 * a pod's container: the image's user (with the groups /etc/group gives it), working directory,
 * environment and entrypoint, containerd's default capabilities, privilege escalation allowed
 * (Kubernetes' default, which setuid sudo needs), a writable root file system, /etc/hosts written
 * by the "kubelet", and volumes bind-mounted. It shares the host's network namespace, so the test
 * reaches its ports on loopback (the ports come from the environment). {@link #exec} is what
 * kubelet's postStart hook and {@code kubectl exec} do: a process in the running container.
 */
final class RuncContainer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  // containerd's default capability set (oci.WithDefaultSpec / the CRI plugin's defaults).
  private static final List<String> CAPABILITIES =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE");

  private final Path state;
  private final String id;
  private final Path log;

  private RuncContainer(Path state, String id, Path log) {
    this.state = state;
    this.id = id;
    this.log = log;
  }

  /** Whether runc can run here: root and runc on the PATH; otherwise the reason. */
  static String unavailableReason() throws IOException, InterruptedException {
    Process id = new ProcessBuilder("id", "-u").start();
    String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    id.waitFor();
    if (!uid.equals("0")) {
      return "runs containers with runc, which needs root (uid is " + uid + ")";
    }
    try {
      Process v = new ProcessBuilder("runc", "--version").redirectErrorStream(true).start();
      v.getInputStream().readAllBytes();
      if (v.waitFor() != 0) {
        return "`runc --version` failed";
      }
    } catch (IOException e) {
      return "no runc on the PATH (apt-get install runc)";
    }
    return null;
  }

  /**
   * Starts the image's entrypoint detached.
   *
   * @param env added to the image's environment
   * @param binds container path → host directory (read-write bind mounts, like an emptyDir)
   */
  static RuncContainer start(
      ImageTar image, Path dir, Map<String, String> env, Map<String, Path> binds) throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Path state = Files.createDirectories(dir.resolve("runc-state"));
    String id = "kruise-image-test-" + UUID.randomUUID().toString().substring(0, 8);
    run(bundle, List.of("runc", "spec"));
    ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());

    spec.putObject("root").put("path", image.rootfs().toString()).put("readonly", false);
    spec.put("hostname", "sandbox");
    ObjectNode process = (ObjectNode) spec.get("process");
    process.put("terminal", false);
    process.put("noNewPrivileges", false);
    String[] user = image.user().isEmpty() ? new String[] {"0", "0"} : image.user().split(":");
    int uid = Integer.parseInt(user[0]);
    ObjectNode u = process.putObject("user");
    u.put("uid", uid);
    u.put("gid", Integer.parseInt(user.length > 1 ? user[1] : user[0]));
    ArrayNode groups = u.putArray("additionalGids");
    supplementaryGroups(image.rootfs(), uid).forEach(groups::add);
    String cwd = image.config().path("WorkingDir").asText("");
    process.put("cwd", cwd.isEmpty() ? "/" : cwd);
    ArrayNode args = process.putArray("args");
    image.entrypoint().forEach(args::add);
    ArrayNode envs = process.putArray("env");
    image.env().forEach(envs::add);
    env.forEach((k, v) -> envs.add(k + "=" + v));
    ObjectNode caps = process.putObject("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      ArrayNode a = caps.putArray(set);
      CAPABILITIES.forEach(a::add);
    }
    process.remove("rlimits");

    // The host's network namespace: the test talks to the container on loopback.
    ArrayNode namespaces = (ArrayNode) spec.path("linux").path("namespaces");
    for (int i = namespaces.size() - 1; i >= 0; i--) {
      if (namespaces.get(i).path("type").asText().equals("network")) {
        namespaces.remove(i);
      }
    }
    ArrayNode mounts = (ArrayNode) spec.get("mounts");
    // kubelet's /etc/hosts: sudo looks the host name up.
    Path hosts = dir.resolve("etc-hosts");
    Files.writeString(hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tsandbox\n");
    bind(mounts, "/etc/hosts", hosts);
    binds.forEach((target, source) -> bind(mounts, target, source));
    JSON.writerWithDefaultPrettyPrinter().writeValue(bundle.resolve("config.json").toFile(), spec);

    Path log = dir.resolve("container.log");
    Process p =
        new ProcessBuilder(
                "runc",
                "--root",
                state.toString(),
                "run",
                "--detach",
                "--bundle",
                bundle.toString(),
                id)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("runc run failed: " + Files.readString(log));
    }
    return new RuncContainer(state, id, log);
  }

  /** A process in the running container (its user, env and cwd); exit code and output. */
  Result exec(List<String> command, long timeoutSeconds) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("runc", "--root", state.toString(), "exec", id));
    cmd.addAll(command);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command + " did not finish in " + timeoutSeconds + " s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  record Result(int exitCode, String output) {}

  String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws Exception {
    // SIGKILL the init (tini): the pid namespace takes the daemon and its children with it.
    new ProcessBuilder("runc", "--root", state.toString(), "kill", id, "KILL")
        .redirectErrorStream(true)
        .start()
        .waitFor(30, TimeUnit.SECONDS);
    Process delete =
        new ProcessBuilder("runc", "--root", state.toString(), "delete", "--force", id)
            .redirectErrorStream(true)
            .start();
    String out = new String(delete.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!delete.waitFor(60, TimeUnit.SECONDS) || delete.exitValue() != 0) {
      throw new IOException("runc delete " + id + " failed: " + out);
    }
  }

  private static void bind(ArrayNode mounts, String target, Path source) {
    ObjectNode m = mounts.addObject();
    m.put("destination", target);
    m.put("type", "bind");
    m.put("source", source.toString());
    m.putArray("options").add("rbind").add("rw");
  }

  /** The groups /etc/group lists the user in, as containerd adds them for a named image user. */
  private static List<Integer> supplementaryGroups(Path rootfs, int uid) throws IOException {
    Path passwd = rootfs.resolve("etc/passwd");
    Path group = rootfs.resolve("etc/group");
    List<Integer> gids = new ArrayList<>();
    if (!Files.exists(passwd) || !Files.exists(group)) {
      return gids;
    }
    String name = null;
    for (String line : Files.readAllLines(passwd)) {
      String[] f = line.split(":");
      if (f.length > 2 && f[2].equals(String.valueOf(uid))) {
        name = f[0];
      }
    }
    for (String line : Files.readAllLines(group)) {
      String[] f = line.split(":", -1);
      if (name != null && f.length > 3 && List.of(f[3].split(",")).contains(name)) {
        gids.add(Integer.parseInt(f[2]));
      }
    }
    return gids;
  }

  private static void run(Path dir, List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }
}
