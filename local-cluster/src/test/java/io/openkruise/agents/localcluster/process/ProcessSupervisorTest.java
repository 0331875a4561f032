package io.openkruise.agents.localcluster.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.openkruise.agents.testing.tier.UnitTier
class ProcessSupervisorTest {
  @TempDir Path dir;
  private ProcessWatchdog watchdog;
  private ProcessSupervisor supervisor;

  @BeforeEach
  void start() {
    watchdog = ProcessWatchdog.start("test-watchdog", dir.resolve("pids"), null);
    supervisor = new ProcessSupervisor(dir, watchdog, Duration.ofSeconds(2), Duration.ofMillis(20));
  }

  @AfterEach
  void stop() {
    supervisor.killAll();
    watchdog.close();
  }

  @Test
  void aDaemonLogsToItsFileAndIsWaitedForUntilReady() throws Exception {
    ChildProcess c =
        supervisor.start("echo", List.of("sh", "-c", "echo up; touch ready; sleep 60"));

    supervisor.await("the ready file", () -> Files.exists(dir.resolve("ready")), List.of(c));

    assertThat(c.log()).isEqualTo(dir.resolve("logs/echo.log"));
    assertThat(Files.readString(c.log())).contains("up");
    assertThat(Files.readString(dir.resolve("pids"))).contains(Long.toString(c.process().pid()));
    assertThat(supervisor.logTails(5)).contains("echo (").contains("up");
  }

  @Test
  void aDaemonThatDiesEndsTheWaitWithItsLog() {
    ChildProcess c = supervisor.start("dies", List.of("sh", "-c", "echo bind failed; exit 3"));

    assertThatThrownBy(() -> supervisor.await("never", () -> false, List.of(c)))
        .isInstanceOf(ChildExitedException.class)
        .hasMessageContaining("dies exited with 3 while waiting for never")
        .hasMessageContaining(c.log().toString())
        .hasMessageContaining("bind failed")
        .satisfies(e -> assertThat(((ChildExitedException) e).logTail()).contains("bind failed"));
  }

  @Test
  void theWaitIsBoundedAndNamesWhatItWaitedForWithTheLogs() {
    ChildProcess c = supervisor.start("slow", List.of("sh", "-c", "echo starting; sleep 60"));

    assertThatThrownBy(() -> supervisor.await("slow to be ready", () -> false, List.of(c)))
        .isInstanceOf(IllegalStateException.class)
        .isNotInstanceOf(ChildExitedException.class)
        .hasMessageContaining("timed out after PT2S waiting for slow to be ready")
        .hasMessageContaining("slow log:")
        .hasMessageContaining("starting");
  }

  @Test
  void stopKillsADaemonThatIgnoresTermAfterTheGracePeriod() throws Exception {
    ChildProcess c =
        supervisor.start(
            "stubborn",
            List.of("sh", "-c", "trap '' TERM; echo trapped; while :; do sleep 1; done"));
    supervisor.await("the trap", () -> c.tail(5).contains("trapped"), List.of(c));

    supervisor.stop(c, Duration.ofMillis(300));

    assertThat(c.process().isAlive()).isFalse();
    assertThat(supervisor.alive()).isEmpty();
    assertThat(Files.readString(dir.resolve("pids")).strip()).isEmpty();
  }

  @Test
  void killAllKillsEveryDaemonAndItsChildren() {
    supervisor.start("a", List.of("sleep", "60"));
    ChildProcess b = supervisor.start("b", List.of("sh", "-c", "echo forked; sleep 60 & wait"));
    supervisor.await(
        "b's child", () -> b.process().descendants().findAny().isPresent(), List.of(b));
    List<ProcessHandle> before = supervisor.alive();
    assertThat(before).hasSize(3);

    supervisor.killAll();

    assertThat(before).noneMatch(ProcessHandle::isAlive);
    assertThat(supervisor.alive()).isEmpty();
  }
}
