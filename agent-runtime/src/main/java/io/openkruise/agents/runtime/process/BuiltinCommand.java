package io.openkruise.agents.runtime.process;

import java.util.List;
import java.util.Map;

/**
 * A command the runtime answers in-process instead of forking (the CSI mount helper), so it works
 * without a helper binary on the sandbox's PATH.
 */
public interface BuiltinCommand {
  /** True when {@code cmd args} invokes this builtin. */
  boolean matches(String cmd, List<String> args);

  /**
   * Runs the builtin on an I/O thread.
   *
   * @param argv the arguments after the program name
   * @param out sink for stdout/stderr text
   * @return exit code
   */
  int run(List<String> argv, Map<String, String> env, Output out);

  /** Where a builtin writes. */
  interface Output {
    void stdout(String text);

    void stderr(String text);
  }
}
