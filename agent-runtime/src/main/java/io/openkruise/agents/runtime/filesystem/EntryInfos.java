package io.openkruise.agents.runtime.filesystem;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.Json;
import io.openkruise.agents.runtime.paths.SandboxPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/** Builds {@code filesystem.EntryInfo} messages. */
public final class EntryInfos {
  private EntryInfos() {}

  /**
   * Describes {@code host} as the sandbox sees it at {@code sandboxPath}. Symlinks are followed for
   * type and size (as a shell would), and their target is reported when it stays inside the
   * sandbox.
   */
  public static ObjectNode describe(SandboxPaths paths, Path host, String sandboxPath)
      throws IOException {
    boolean link = Files.isSymbolicLink(host);
    PosixFileAttributes attrs;
    try {
      attrs = Files.readAttributes(host, PosixFileAttributes.class);
    } catch (NoSuchFileException e) {
      if (!link) {
        throw new NoSuchFileException(sandboxPath);
      }
      attrs = Files.readAttributes(host, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }
    ObjectNode e = Json.object();
    String name = host.getFileName() == null ? "/" : host.getFileName().toString();
    if ("/".equals(sandboxPath)) {
      name = "/";
    }
    e.put("name", name);
    e.put("type", fileType(attrs, link && attrs.isSymbolicLink()));
    e.put("path", sandboxPath);
    e.put("size", attrs.size());
    e.put("mode", modeBits(attrs.permissions()) | (attrs.isDirectory() ? 0x80000000L : 0));
    e.put("permissions", permissionString(attrs, attrs.isSymbolicLink()));
    e.put("owner", attrs.owner().getName());
    e.put("group", attrs.group().getName());
    e.put("modifiedTime", attrs.lastModifiedTime().toInstant().toString());
    if (link) {
      try {
        Path target = Files.readSymbolicLink(host);
        Path abs = host.resolveSibling(target).normalize();
        if (paths.isIdentity() || abs.startsWith(paths.root())) {
          e.put("symlinkTarget", paths.toSandbox(abs));
        }
      } catch (IOException ignored) {
        // Unreadable link: no target.
      }
    }
    return e;
  }

  static String fileType(BasicFileAttributes attrs, boolean danglingLink) {
    if (danglingLink) {
      return "FILE_TYPE_SYMLINK";
    }
    if (attrs.isDirectory()) {
      return "FILE_TYPE_DIRECTORY";
    }
    return "FILE_TYPE_FILE";
  }

  /** Unix permission bits, e.g. 0644. */
  public static int modeBits(Set<PosixFilePermission> perms) {
    int mode = 0;
    for (PosixFilePermission p : perms) {
      mode |=
          switch (p) {
            case OWNER_READ -> 0400;
            case OWNER_WRITE -> 0200;
            case OWNER_EXECUTE -> 0100;
            case GROUP_READ -> 040;
            case GROUP_WRITE -> 020;
            case GROUP_EXECUTE -> 010;
            case OTHERS_READ -> 04;
            case OTHERS_WRITE -> 02;
            case OTHERS_EXECUTE -> 01;
          };
    }
    return mode;
  }

  /** {@code ls -l} style string as Go's FileMode.String prints it, e.g. {@code -rw-r--r--}. */
  public static String permissionString(BasicFileAttributes attrs, boolean link) {
    int m = attrs instanceof PosixFileAttributes p ? modeBits(p.permissions()) : 0644;
    StringBuilder sb = new StringBuilder(10);
    sb.append(link ? 'L' : attrs.isDirectory() ? 'd' : '-');
    String chars = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      sb.append((m & (1 << (8 - i))) != 0 ? chars.charAt(i) : '-');
    }
    return sb.toString();
  }
}
