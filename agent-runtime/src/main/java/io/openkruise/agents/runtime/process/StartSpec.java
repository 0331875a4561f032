package io.openkruise.agents.runtime.process;

import java.util.List;
import java.util.Map;

/**
 * A validated {@code StartRequest}.
 *
 * @param cwd sandbox path, or null for the default workdir
 * @param stdin null when the client did not say (old SDKs: keep stdin open)
 * @param pty null for plain pipes
 * @param timeoutMs kill the process group after this long; 0 = never
 */
public record StartSpec(
    String cmd,
    List<String> args,
    Map<String, String> envs,
    String cwd,
    String tag,
    Boolean stdin,
    PtySize pty,
    long timeoutMs) {

  /** Terminal size requested for a PTY process. */
  public record PtySize(int cols, int rows) {}
}
