package io.openkruise.agents.runtime.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The postStart start script's logic against a fake bundle whose "java" is a shell script, so no
 * jlink is needed: background start, pid file, log, wait-for-listening, idempotent re-run, and a
 * clear failure when the daemon dies.
 */
@io.openkruise.agents.testing.tier.UnitTier
class StartScriptTest {
  static final Path SCRIPT = Path.of("bundle/agent-runtime-start.sh").toAbsolutePath();

  @TempDir Path bundle;
  Long started;

  @AfterEach
  void killFake() {
    if (started != null) {
      ProcessHandle.of(started).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  void fakeJava(String body) throws Exception {
    Path bin = Files.createDirectories(bundle.resolve("jre/bin"));
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(bundle.resolve("bin"));
    Files.copy(SCRIPT, bundle.resolve("bin/agent-runtime-start.sh"));
  }

  record Out(int code, String text) {}

  Out run(Map<String, String> env) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                "sh", bundle.resolve("bin/agent-runtime-start.sh").toString(), "--x", "y")
            .redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return new Out(p.exitValue(), text);
  }

  @Test
  void startsInBackgroundWritesPidAndLogAndIsIdempotent() throws Exception {
    fakeJava(
        "echo \"args: $*\"; sleep 0.2; echo 'agent-runtime 0.5.7 listening on x'; exec sleep 30");
    Out out = run(Map.of());
    assertThat(out.code()).as(out.text()).isZero();
    assertThat(out.text()).contains("running (pid");
    started = Long.parseLong(Files.readString(bundle.resolve("agent-runtime.pid")).trim());
    assertThat(ProcessHandle.of(started).map(ProcessHandle::isAlive)).hasValue(true);
    String log = Files.readString(bundle.resolve("agent-runtime.log"));
    assertThat(log)
        .contains("io.openkruise.agents.runtime.Main --x y")
        .contains("-XX:+UseSerialGC")
        .contains("-cp " + bundle.toRealPath() + "/lib/*");

    Out again = run(Map.of());
    assertThat(again.code()).isZero();
    assertThat(again.text()).contains("already running (pid " + started + ")");
  }

  @Test
  void reportsADaemonThatDiesDuringStart() throws Exception {
    fakeJava("echo 'agent-runtime: failed to start: port in use'; exit 1");
    Files.writeString(bundle.resolve("agent-runtime.pid"), "999999999\n");
    Out out = run(Map.of("AGENT_RUNTIME_WAIT_SECONDS", "5"));
    assertThat(out.code()).isEqualTo(1);
    assertThat(out.text()).contains("daemon exited during start").contains("port in use");
    assertThat(bundle.resolve("agent-runtime.pid")).doesNotExist();
  }

  @Test
  void failsClearlyWithoutTheBundledRuntime() throws Exception {
    Files.createDirectories(bundle.resolve("bin"));
    Files.copy(SCRIPT, bundle.resolve("bin/agent-runtime-start.sh"));
    Out out = run(Map.of());
    assertThat(out.code()).isEqualTo(1);
    assertThat(out.text()).contains("no runtime at");
  }
}
