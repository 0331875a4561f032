package io.openkruise.agents.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@io.openkruise.agents.testing.tier.UnitTier
class ProcessGroupsTest {

  /**
   * A process that leads no group (the group SIGINT fails, as it did in the sandbox image) still
   * gets the SIGINT and lives on: the code interpreter interrupts a cell this way, and ending the
   * process instead lost the context's state.
   */
  @Test
  @Timeout(60)
  void aFailedGroupInterruptSignalsTheProcessAndNeverEndsIt() throws Exception {
    assumeTrue(ProcessGroups.available(), "no setsid/kill on this machine");
    Process p =
        new ProcessBuilder(
                "python3",
                "-u",
                "-c",
                "import signal, time\n"
                    + "signal.signal(signal.SIGINT, lambda *a: print('interrupted'))\n"
                    + "print('ready')\n"
                    + "time.sleep(30)\n")
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("ready");
      ProcessGroups.signal(p, 2); // not started under setsid: no group -pid to signal
      assertThat(out.readLine()).isEqualTo("interrupted");
      assertThat(p.waitFor(500, TimeUnit.MILLISECONDS)).as("still running").isFalse();
    } finally {
      p.destroyForcibly();
    }
  }
}
