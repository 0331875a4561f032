package io.openkruise.agents.localcluster.process;

/** A supervised process died while its owner waited for something to become ready. */
public final class ChildExitedException extends IllegalStateException {
  private final transient ChildProcess child;
  private final String logTail;

  ChildExitedException(ChildProcess child, String what, String logTail) {
    super(
        child.name()
            + " exited with "
            + child.process().exitValue()
            + " while waiting for "
            + what
            + "; last log lines ("
            + child.log()
            + "):\n    "
            + logTail);
    this.child = child;
    this.logTail = logTail;
  }

  public ChildProcess child() {
    return child;
  }

  /** The last lines of its log (for callers that recognise a cause, such as a port clash). */
  public String logTail() {
    return logTail;
  }
}
