package io.openkruise.agents.localcluster.process;

/** A supervised process died while its owner waited for something to become ready. */
public final class ChildExitedException extends IllegalStateException {
  private final String logTail;

  ChildExitedException(ChildProcess child, String what, String logTail) {
    super(
        String.format(
            "%s exited with %d while waiting for %s; last log lines (%s):\n    %s",
            child.name(), child.process().exitValue(), what, child.log(), logTail));
    this.logTail = logTail;
  }

  /** The last lines of its log (for callers that recognise a cause, such as a port clash). */
  public String logTail() {
    return logTail;
  }
}
