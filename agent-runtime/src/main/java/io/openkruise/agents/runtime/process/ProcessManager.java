package io.openkruise.agents.runtime.process;

import io.openkruise.agents.runtime.init.InitState;
import io.openkruise.agents.runtime.paths.SandboxPaths;
import io.openkruise.agents.runtime.process.ProcessEvents.ExitInfo;
import io.vertx.core.Vertx;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Starts commands as real OS processes in their own process groups and keeps the table that {@code
 * List}, {@code Connect}, {@code SendInput} and {@code SendSignal} look up.
 */
public final class ProcessManager {
  private static final AtomicLong BUILTIN_PIDS = new AtomicLong(1_000_000_000L);

  private final Vertx vertx;
  private final SandboxPaths paths;
  private final InitState init;
  private final List<BuiltinCommand> builtins;
  private final Map<Long, ManagedProcess> processes = new ConcurrentHashMap<>();

  /** Groups whose leader ended while members (e.g. nohup'ed daemons) still ran. */
  private final java.util.Set<Long> lingeringGroups = ConcurrentHashMap.newKeySet();

  private volatile boolean closed;

  public ProcessManager(
      Vertx vertx, SandboxPaths paths, InitState init, List<BuiltinCommand> builtins) {
    this.vertx = vertx;
    this.paths = paths;
    this.init = init;
    this.builtins = List.copyOf(builtins);
  }

  /**
   * Spawns the process; output pumping starts with {@link #begin} so the caller can subscribe and
   * send its start event first.
   */
  public ManagedProcess spawn(StartSpec spec) throws IOException {
    if (closed) {
      throw new IllegalStateException("runtime is shutting down");
    }
    if (spec.cmd() == null || spec.cmd().isEmpty()) {
      throw new IllegalArgumentException("process.cmd must not be empty");
    }
    if (spec.tag() != null && findByTag(spec.tag()).isPresent()) {
      throw new IllegalArgumentException("a running process already has tag " + spec.tag());
    }
    String home = init.home();
    Path cwd;
    if (spec.cwd() != null && !spec.cwd().isEmpty()) {
      cwd = paths.resolve(spec.cwd(), home);
      if (!Files.isDirectory(cwd)) {
        throw new IllegalArgumentException("cwd " + spec.cwd() + " is not a directory");
      }
    } else {
      cwd = paths.resolve(init.workdir(), home);
      Files.createDirectories(cwd);
    }
    Map<String, String> env = environment(spec, cwd);

    for (BuiltinCommand b : builtins) {
      if (b.matches(spec.cmd(), spec.args())) {
        return spawnBuiltin(b, spec, env);
      }
    }

    // setsid would start fine and then fail to exec; report a missing program as a start error.
    if (findProgram(spec.cmd(), env.get("PATH"), cwd) == null) {
      throw new IOException("executable " + spec.cmd() + " not found");
    }
    List<String> command = new ArrayList<>();
    if (ProcessGroups.SETSID != null) {
      command.add(ProcessGroups.SETSID);
    }
    if (spec.pty() != null) {
      // No PTY API in the JDK: util-linux `script` allocates one and relays it over pipes.
      String script = ProcessGroups.findExecutable("script");
      if (script == null) {
        throw new UnsupportedOperationException("PTY needs util-linux `script` on the PATH");
      }
      command.addAll(List.of(script, "-q", "-f", "-e", "-c", ptyShellLine(spec), "/dev/null"));
    } else {
      command.add(spec.cmd());
      command.addAll(spec.args());
    }
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    boolean stdinOpen = spec.pty() != null || spec.stdin() == null || spec.stdin();
    if (!stdinOpen) {
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }
    Process p = pb.start();
    ManagedProcess mp = new ManagedProcess(p.pid(), spec, p, stdinOpen);
    register(mp, spec.timeoutMs());
    return mp;
  }

  /** Starts output delivery. */
  public void begin(ManagedProcess mp) {
    mp.startPumping();
  }

  private ManagedProcess spawnBuiltin(BuiltinCommand b, StartSpec spec, Map<String, String> env) {
    long pid = BUILTIN_PIDS.incrementAndGet();
    ManagedProcess mp = new ManagedProcess(pid, spec, null, false);
    register(mp, 0);
    mp.setBuiltinBody(
        () -> {
          BuiltinCommand.Output out =
              new BuiltinCommand.Output() {
                @Override
                public void stdout(String text) {
                  byte[] b = text.getBytes(StandardCharsets.UTF_8);
                  mp.emit("stdout", b, b.length);
                }

                @Override
                public void stderr(String text) {
                  byte[] b = text.getBytes(StandardCharsets.UTF_8);
                  mp.emit("stderr", b, b.length);
                }
              };
          int code;
          try {
            code = b.run(spec.args(), env, out);
          } catch (RuntimeException e) {
            out.stderr("internal error: " + e + "\n");
            code = 1;
          }
          mp.finish(ExitInfo.fromExitValue(code, null));
        });
    return mp;
  }

  private void register(ManagedProcess mp, long timeoutMs) {
    processes.put(mp.pid(), mp);
    long timer = timeoutMs > 0 ? vertx.setTimer(timeoutMs, id -> mp.signal(9)) : -1;
    mp.exit()
        .whenComplete(
            (e, t) -> {
              processes.remove(mp.pid(), mp);
              if (timer >= 0) {
                vertx.cancelTimer(timer);
              }
              if (mp.osProcess() != null && ProcessGroups.setsidPath() != null) {
                // Remember detached survivors so close() can still kill them.
                IoThreads.POOL.execute(
                    () -> {
                      if (ProcessGroups.hasMembers(mp.pid())) {
                        lingeringGroups.add(mp.pid());
                      }
                    });
              }
            });
  }

  Map<String, String> environment(StartSpec spec, Path cwd) {
    Map<String, String> env = baseEnvironment(cwd);
    if (spec.envs() != null) {
      env.putAll(spec.envs());
    }
    if (spec.pty() != null) {
      env.putIfAbsent("TERM", "xterm-256color");
    }
    return env;
  }

  /** Environment every sandbox process starts with: basics, mapped HOME, then init's env vars. */
  public Map<String, String> baseEnvironment(Path cwd) {
    Map<String, String> env = new LinkedHashMap<>();
    String path = System.getenv("PATH");
    path = path != null ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    if (!paths.isIdentity()) {
      path = paths.toHostLexical(SIMULATED_TOOLS).toString() + ":" + path;
    }
    env.put("PATH", path);
    for (String keep : new String[] {"LANG", "LC_ALL", "TZ"}) {
      String v = System.getenv(keep);
      if (v != null) {
        env.put(keep, v);
      }
    }
    String user = init.get().defaultUser();
    Path homeHost = paths.toHostLexical(init.home());
    env.put("HOME", homeHost.toString());
    env.put("USER", user);
    env.put("LOGNAME", user);
    env.put("SHELL", "/bin/bash");
    env.put("PWD", cwd.toString());
    if (!paths.isIdentity()) {
      // Lets scripts that know about the local mapping find the sandbox's "/".
      env.put("E2B_SANDBOX_ROOT", paths.root().toString());
    }
    env.putAll(init.get().envVars());
    return env;
  }

  /** Sandbox directory first on a simulated sandbox's PATH, for what E2B's image has there. */
  static final String SIMULATED_TOOLS = "/usr/local/bin";

  /**
   * Gives a simulated sandbox (its processes use the host's programs) a {@code python} where the
   * host has only {@code python3}, as E2B's image has both: a link in {@code <root>/usr/local/bin},
   * which comes first on PATH, also for login shells (the SDKs run commands with {@code bash -l},
   * whose {@code /etc/profile} resets PATH): the home's {@code .profile} puts it back.
   */
  public static void provideSimulatedTools(Path root) throws java.io.IOException {
    Path dir = root.resolve(SIMULATED_TOOLS.substring(1));
    Files.createDirectories(dir);
    String loginPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    Path python3 = findProgram("python3", loginPath + ":" + System.getenv("PATH"), root);
    Path python = dir.resolve("python");
    if (findProgram("python", loginPath, root) == null
        && python3 != null
        && !Files.exists(python, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(python, python3);
    }
    Path profile = root.resolve("home/user/.profile");
    if (Files.isDirectory(profile.getParent()) && !Files.exists(profile)) {
      Files.writeString(
          profile,
          "# agent-runtime (simulated sandbox): the sandbox's tools first, as in E2B's image\n"
              + "PATH=\""
              + dir
              + ":$PATH\"\n"
              + "[ -n \"$BASH_VERSION\" ] && [ -f \"$HOME/.bashrc\" ] && . \"$HOME/.bashrc\"\n");
    }
  }

  /** Resolves a program like execvp does; null when it is not an executable file. */
  static Path findProgram(String cmd, String pathVar, Path cwd) {
    if (cmd.contains("/")) {
      Path p = cmd.startsWith("/") ? Path.of(cmd) : cwd.resolve(cmd);
      return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
    }
    for (String dir : (pathVar == null ? "" : pathVar).split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, cmd);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  static String ptyShellLine(StartSpec spec) {
    StringBuilder sb = new StringBuilder();
    sb.append("stty cols ")
        .append(spec.pty().cols() > 0 ? spec.pty().cols() : 80)
        .append(" rows ")
        .append(spec.pty().rows() > 0 ? spec.pty().rows() : 24)
        .append(" 2>/dev/null; exec ")
        .append(shellQuote(spec.cmd()));
    for (String a : spec.args()) {
      sb.append(' ').append(shellQuote(a));
    }
    return sb.toString();
  }

  /** POSIX single-quote quoting. */
  public static String shellQuote(String s) {
    return "'" + s.replace("'", "'\"'\"'") + "'";
  }

  public Optional<ManagedProcess> findByPid(long pid) {
    return Optional.ofNullable(processes.get(pid));
  }

  public Optional<ManagedProcess> findByTag(String tag) {
    return processes.values().stream().filter(p -> tag.equals(p.spec().tag())).findFirst();
  }

  /** The OS processes of the commands still running (builtins have none). */
  public Collection<ProcessHandle> osProcesses() {
    List<ProcessHandle> out = new ArrayList<>();
    for (ManagedProcess mp : processes.values()) {
      if (mp.osProcess() != null && mp.osProcess().isAlive()) {
        out.add(mp.osProcess().toHandle());
      }
    }
    return out;
  }

  public Collection<ManagedProcess> list() {
    return List.copyOf(processes.values());
  }

  /** Kills every process group this instance started; no new processes start afterwards. */
  public void killAll() {
    closed = true;
    for (long pgid : lingeringGroups) {
      if (ProcessGroups.hasMembers(pgid)) {
        ProcessGroups.signalGroup(pgid, 9);
      }
    }
    lingeringGroups.clear();
    for (ManagedProcess mp : processes.values()) {
      mp.signal(9);
      try {
        mp.closeStdin();
      } catch (IOException e) {
        // Already gone.
      }
    }
  }
}
