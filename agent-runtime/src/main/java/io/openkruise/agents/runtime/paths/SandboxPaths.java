package io.openkruise.agents.runtime.paths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Maps sandbox paths (what clients send, e.g. {@code /home/user/x}) to host paths under a
 * per-sandbox root directory, and back.
 *
 * <p>With root {@code /} (sidecar mode on a real pod) the mapping is the identity. Relative paths
 * resolve against the user's home. A path whose {@code ..} segments climb above {@code /} is
 * rejected rather than clamped, and so is any path whose existing part resolves (through symlinks)
 * outside the root and outside the extra allowed directories (shared CSI volume directories).
 */
public final class SandboxPaths {
  private final Path root;
  private final Path realRoot;
  private final boolean identity;
  private final List<Path> extraAllowed = new CopyOnWriteArrayList<>();

  public SandboxPaths(Path root) {
    this.root = root.toAbsolutePath().normalize();
    this.identity = this.root.getParent() == null;
    Path real;
    try {
      real = Files.exists(this.root) ? this.root.toRealPath() : this.root;
    } catch (IOException e) {
      real = this.root;
    }
    this.realRoot = real;
  }

  /** The host directory that holds the sandbox's {@code /}. */
  public Path root() {
    return root;
  }

  /** True when sandbox paths are host paths (root {@code /}). */
  public boolean isIdentity() {
    return identity;
  }

  /** Lets symlinks inside the sandbox point into {@code dir} (a shared volume directory). */
  public void allow(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    extraAllowed.add(abs);
    try {
      Path real = abs.toRealPath();
      if (!real.equals(abs)) {
        extraAllowed.add(real);
      }
    } catch (IOException e) {
      // Not created yet: the lexical entry is enough until it exists.
    }
  }

  /**
   * Normalizes a client path to an absolute sandbox path.
   *
   * @param path absolute, or relative to {@code home}
   * @param home absolute sandbox path of the user's home
   * @throws PathAccessException when {@code ..} climbs above {@code /}
   */
  public static String normalize(String path, String home) throws PathAccessException {
    if (path == null || path.isEmpty()) {
      throw new PathAccessException(String.valueOf(path), "path must not be empty");
    }
    if (path.indexOf('\0') >= 0) {
      throw new PathAccessException(path.replace('\0', '?'), "path contains a NUL byte");
    }
    String full;
    if (path.startsWith("/")) {
      full = path;
    } else if (path.equals("~")) {
      full = home;
    } else if (path.startsWith("~/")) {
      full = home + path.substring(1);
    } else {
      full = home + "/" + path;
    }
    List<String> parts = new ArrayList<>();
    for (String seg : full.split("/")) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (parts.isEmpty()) {
          throw new PathAccessException(path, "path escapes the sandbox root");
        }
        parts.remove(parts.size() - 1);
      } else {
        parts.add(seg);
      }
    }
    return "/" + String.join("/", parts);
  }

  /** The host's procfs, which a simulated sandbox sees at {@code /proc} (read-only). */
  static final Path PROC = Path.of("/proc");

  /**
   * Normalizes a client path like {@link #normalize}, and in a simulated sandbox also takes a host
   * path under the root for the sandbox path it is: its commands see host paths ({@code $HOME},
   * {@code pwd}), and what they print should work in the files API as in a real sandbox.
   */
  public String sandboxPath(String path, String home) throws PathAccessException {
    String normalized = normalize(path, home);
    if (identity) {
      return normalized;
    }
    for (Path base : List.of(root, realRoot)) {
      String prefix = base.toString();
      if (normalized.equals(prefix)) {
        return "/";
      }
      if (normalized.startsWith(prefix + "/")) {
        return normalized.substring(prefix.length());
      }
    }
    return normalized;
  }

  /** Lexical mapping of a normalized absolute sandbox path to a host path. */
  public Path toHostLexical(String sandboxPath) {
    if (!identity && isProc(sandboxPath)) {
      // A simulated sandbox's processes are host processes: their /proc is the host's.
      return Path.of(sandboxPath);
    }
    return sandboxPath.equals("/") ? root : root.resolve(sandboxPath.substring(1));
  }

  private static boolean isProc(String sandboxPath) {
    return sandboxPath.equals("/proc") || sandboxPath.startsWith("/proc/");
  }

  /**
   * Refuses changes through the files API where a simulated sandbox sees the host: its {@code
   * /proc} is the host's (a real container has its own).
   */
  public void checkWritable(String sandboxPath) throws PathAccessException {
    if (!identity && isProc(sandboxPath)) {
      throw new PathAccessException(sandboxPath, "/proc is read-only through the files API");
    }
  }

  /** True when a resolved host path is part of what the sandbox sees. */
  public boolean visible(Path hostReal) {
    if (identity) {
      return true;
    }
    Path abs = hostReal.toAbsolutePath().normalize();
    if (abs.startsWith(root) || abs.startsWith(realRoot) || abs.startsWith(PROC)) {
      return true;
    }
    for (Path allowed : extraAllowed) {
      if (abs.startsWith(allowed)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Maps and checks a client path.
   *
   * @throws PathAccessException if it leaves the root lexically or through a symlink
   */
  public Path resolve(String path, String home) throws PathAccessException {
    String normalized = sandboxPath(path, home);
    Path host = toHostLexical(normalized);
    if (!identity) {
      checkInside(host, normalized);
    }
    return host;
  }

  private void checkInside(Path host, String sandboxPath) throws PathAccessException {
    // Resolve symlinks on the deepest existing ancestor; what does not exist yet cannot escape.
    Path existing = host;
    while (existing.startsWith(root) && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    if (!existing.startsWith(root)) {
      return; // Nothing of the sandbox exists yet.
    }
    Path real;
    try {
      real = existing.toRealPath();
    } catch (IOException e) {
      // A dangling symlink: check where it points lexically.
      real = danglingTarget(existing);
      if (real == null) {
        return;
      }
    }
    if (real.startsWith(realRoot) || real.startsWith(root) || isProc(sandboxPath)) {
      return;
    }
    for (Path allowed : extraAllowed) {
      if (real.startsWith(allowed)) {
        return;
      }
    }
    throw new PathAccessException(sandboxPath, "path resolves outside the sandbox root");
  }

  private static Path danglingTarget(Path link) {
    try {
      if (!Files.isSymbolicLink(link)) {
        return null;
      }
      Path target = Files.readSymbolicLink(link);
      return link.resolveSibling(target).toAbsolutePath().normalize();
    } catch (IOException e) {
      return null;
    }
  }

  /** Maps a host path back to the sandbox path clients see. */
  public String toSandbox(Path host) {
    Path abs = host.toAbsolutePath().normalize();
    if (identity) {
      return abs.toString();
    }
    for (Path base : List.of(root, realRoot)) {
      if (abs.startsWith(base)) {
        Path rel = base.relativize(abs);
        return rel.toString().isEmpty() ? "/" : "/" + rel.toString().replace('\\', '/');
      }
    }
    return abs.toString();
  }
}
