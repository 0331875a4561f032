package io.openkruise.agents.runtime;

import io.openkruise.agents.envd.RuntimeEnv;
import io.openkruise.agents.runtime.csi.CsiMountCommand;
import io.openkruise.agents.runtime.paths.SandboxPaths;
import io.openkruise.agents.runtime.process.BuiltinCommand;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Standalone daemon. Flags override environment variables:
 *
 * <pre>
 * --host H                 AGENT_RUNTIME_HOST                 0.0.0.0
 * --port N                 AGENT_RUNTIME_PORT                 49983
 * --root DIR               AGENT_RUNTIME_ROOT                 /   (identity mapping)
 * --code-interpreter B     AGENT_RUNTIME_CODE_INTERPRETER     false
 * --code-interpreter-port  AGENT_RUNTIME_CODE_INTERPRETER_PORT 49999
 * --max-upload-bytes N     AGENT_RUNTIME_MAX_UPLOAD_BYTES     536870912
 * --python CMD             AGENT_RUNTIME_PYTHON               python3
 * --volumes-dir DIR        AGENT_RUNTIME_VOLUMES_DIR          (see RuntimeOptions)
 * --csi-drivers a,b        AGENT_RUNTIME_CSI_DRIVERS          (see RuntimeOptions)
 * --unauthenticated B      AGENT_RUNTIME_UNAUTHENTICATED      false
 * --max-signature-lifetime-seconds N
 *                          AGENT_RUNTIME_MAX_SIGNATURE_LIFETIME_SECONDS 86400
 *                          KRUISE_RUNTIME_BOOTSTRAP_TOKEN     (env only; set by the controller)
 * </pre>
 *
 * <p>Without a bootstrap token the daemon refuses every request but {@code /health}, unless it runs
 * {@code --unauthenticated} (standalone use, like stock envd).
 *
 * <p>{@code Main sandbox-runtime-storage mount --driver D --config B64} runs the CSI mount helper
 * once and exits with its code.
 */
public final class Main {
  private Main() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length > 0 && CsiMountCommand.PROGRAM.equals(argv[0])) {
      System.exit(runStorage(Arrays.asList(argv).subList(1, argv.length)));
    }
    RuntimeOptions options = parse(argv, System.getenv());
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(8));
    AgentRuntime rt;
    try {
      rt =
          AgentRuntime.start(vertx, options)
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("agent-runtime: failed to start: " + e.getMessage());
      vertx.close();
      System.exit(1);
      return;
    }
    System.out.println(rt.startupLine());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    rt.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    // Exiting anyway.
                  }
                }));
  }

  static int runStorage(List<String> args) {
    String root = System.getenv().getOrDefault("AGENT_RUNTIME_ROOT", "/");
    RuntimeOptions o = parse(new String[] {"--root", root}, System.getenv());
    CsiMountCommand cmd =
        new CsiMountCommand(
            new SandboxPaths(o.rootDir()), o.volumesDir(), o.csiDrivers(), o.csiLocalMode());
    return cmd.run(
        args,
        System.getenv(),
        new BuiltinCommand.Output() {
          @Override
          public void stdout(String text) {
            System.out.print(text);
          }

          @Override
          public void stderr(String text) {
            System.err.print(text);
          }
        });
  }

  /** {@link #parse} for tests outside this package. */
  public static RuntimeOptions parseForTest(String[] argv, Map<String, String> env) {
    return parse(argv, env);
  }

  /** Flags first, then environment, then defaults. */
  static RuntimeOptions parse(String[] argv, Map<String, String> env) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + a);
      }
      int eq = a.indexOf('=');
      if (eq > 0) {
        flags.put(a.substring(2, eq), a.substring(eq + 1));
      } else if (i + 1 < argv.length) {
        flags.put(a.substring(2), argv[++i]);
      } else {
        throw new IllegalArgumentException("flag " + a + " needs a value");
      }
    }
    RuntimeOptions.Builder b = RuntimeOptions.builder().codeInterpreter(false);
    String v;
    if ((v = value(flags, env, "host")) != null) {
      b.host(v);
    }
    if ((v = value(flags, env, "port")) != null) {
      b.envdPort(Integer.parseInt(v));
    }
    if ((v = value(flags, env, "root")) != null) {
      b.rootDir(Path.of(v));
    }
    if ((v = value(flags, env, "code-interpreter")) != null) {
      b.codeInterpreter(Boolean.parseBoolean(v) || "on".equalsIgnoreCase(v));
    }
    if ((v = value(flags, env, "code-interpreter-port")) != null) {
      b.codeInterpreterPort(Integer.parseInt(v));
    }
    if ((v = value(flags, env, "max-upload-bytes")) != null) {
      b.maxUploadBytes(Long.parseLong(v));
    }
    if ((v = value(flags, env, "python")) != null) {
      b.pythonCommand(v);
    }
    if ((v = value(flags, env, "volumes-dir")) != null) {
      b.volumesDir(Path.of(v));
    }
    if ((v = value(flags, env, "csi-drivers")) != null) {
      List<String> drivers = new ArrayList<>();
      for (String d : v.split(",")) {
        if (!d.isBlank()) {
          drivers.add(d.trim());
        }
      }
      b.csiDrivers(drivers);
    }
    if ((v = value(flags, env, "unauthenticated")) != null) {
      b.unauthenticated(Boolean.parseBoolean(v));
    }
    if ((v = value(flags, env, "max-signature-lifetime-seconds")) != null) {
      b.maxSignatureLifetimeSeconds(Long.parseLong(v));
    }
    // Env only: a flag would show the secret in the process list.
    b.bootstrapToken(env.get(RuntimeEnv.BOOTSTRAP_TOKEN));
    if (!flags.isEmpty()) {
      throw new IllegalArgumentException("unknown flags " + flags.keySet());
    }
    return b.build();
  }

  private static String value(Map<String, String> flags, Map<String, String> env, String name) {
    String f = flags.remove(name);
    if (f != null) {
      return f;
    }
    return env.get("AGENT_RUNTIME_" + name.toUpperCase().replace('-', '_'));
  }
}
