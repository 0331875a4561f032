package io.openkruise.agents.runtime.paths;

import java.nio.file.AccessDeniedException;

/** A sandbox path that would leave the sandbox root (lexically or through a symlink). */
public class PathAccessException extends AccessDeniedException {
  public PathAccessException(String sandboxPath, String reason) {
    super(sandboxPath, null, reason);
  }
}
