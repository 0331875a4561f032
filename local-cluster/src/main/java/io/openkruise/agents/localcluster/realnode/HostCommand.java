package io.openkruise.agents.localcluster.realnode;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short command to completion (ip, iptables, ctr, the plumbing script) and reads its output.
 */
final class HostCommand {
  private HostCommand() {}

  /** Exit code ({@code -1}: did not run or timed out) and stdout and stderr together. */
  record Result(int rc, String output) {}

  static Result run(List<String> command, Duration timeout) {
    try {
      Path out = Files.createTempFile("kruise-real-node-cmd", ".log");
      try {
        Process p =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          return new Result(-1, "timed out after " + timeout + ": " + command);
        }
        return new Result(p.exitValue(), Files.readString(out));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      return new Result(-1, "cannot run " + command + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted: " + command);
    }
  }

  /** {@code iptables <args>} in the node's network namespace. */
  static Result iptablesInNode(NodePlan plan, List<String> args) {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of("nsenter", "--net=/run/netns/" + plan.netns(), "iptables"));
    cmd.addAll(args);
    return run(cmd, Duration.ofSeconds(10));
  }
}
