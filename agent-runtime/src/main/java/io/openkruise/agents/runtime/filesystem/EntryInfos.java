package io.openkruise.agents.runtime.filesystem;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.Json;
import io.openkruise.agents.runtime.paths.SandboxPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * Builds {@code filesystem.EntryInfo} messages with envd's encodings: {@code mode} holds the
 * permission bits only, {@code permissions} is Go's {@code FileMode.String()} of the entry itself,
 * and a symlink reports its fully resolved target with the target's type and permission bits.
 */
public final class EntryInfos {
  static final int S_IFMT = 0170000;
  static final int S_IFSOCK = 0140000;
  static final int S_IFLNK = 0120000;
  static final int S_IFREG = 0100000;
  static final int S_IFBLK = 0060000;
  static final int S_IFDIR = 0040000;
  static final int S_IFCHR = 0020000;
  static final int S_IFIFO = 0010000;

  private EntryInfos() {}

  /** Raw {@code stat(2)} fields, read through the JDK's {@code unix} attribute view. */
  record Stat(int mode, int uid, int gid, long size, FileTime modified) {
    int type() {
      return mode & S_IFMT;
    }

    static Stat of(Path p, LinkOption... options) throws IOException {
      Map<String, Object> a =
          Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime", options);
      return new Stat(
          (Integer) a.get("mode"),
          (Integer) a.get("uid"),
          (Integer) a.get("gid"),
          (Long) a.get("size"),
          (FileTime) a.get("lastModifiedTime"));
    }
  }

  /**
   * Describes {@code host} as the sandbox sees it at {@code sandboxPath}, as envd does: the entry
   * itself is {@code lstat}ed; for a symlink, type and mode come from its target.
   */
  public static ObjectNode describe(
      SandboxPaths paths, FileOwners owners, Path host, String sandboxPath) throws IOException {
    Stat st;
    try {
      st = Stat.of(host, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(sandboxPath);
    }
    String fileType;
    int perm;
    String symlinkTarget = null;
    if (st.type() == S_IFLNK) {
      Path resolved = null;
      try {
        resolved = host.toRealPath();
      } catch (IOException e) {
        // Dangling or looping: envd reports the link's own path as its target.
      }
      if (resolved != null && paths.visible(resolved)) {
        Stat target = Stat.of(resolved);
        fileType = fileType(target.mode());
        perm = target.mode() & 0777;
        symlinkTarget = paths.toSandbox(resolved);
      } else {
        fileType = "FILE_TYPE_UNSPECIFIED";
        perm = 0;
        symlinkTarget = resolved == null ? sandboxPath : null;
      }
    } else {
      fileType = fileType(st.mode());
      perm = st.mode() & 0777;
    }
    ObjectNode e = Json.object();
    String name = host.getFileName() == null ? "/" : host.getFileName().toString();
    e.put("name", "/".equals(sandboxPath) ? "/" : name);
    e.put("type", fileType);
    e.put("path", sandboxPath);
    e.put("size", st.size());
    e.put("mode", perm);
    e.put("permissions", goModeString(st.mode()));
    e.put("owner", owners.user(st.uid()));
    e.put("group", owners.group(st.gid()));
    e.put("modifiedTime", st.modified().toInstant().toString());
    if (symlinkTarget != null) {
      e.put("symlinkTarget", symlinkTarget);
    }
    FileMetadata.addTo(e, host);
    return e;
  }

  static String fileType(int mode) {
    return switch (mode & S_IFMT) {
      case S_IFREG -> "FILE_TYPE_FILE";
      case S_IFDIR -> "FILE_TYPE_DIRECTORY";
      case S_IFLNK -> "FILE_TYPE_SYMLINK";
      default -> "FILE_TYPE_UNSPECIFIED";
    };
  }

  /**
   * Go's {@code os.FileMode.String()} of a {@code stat(2)} mode, e.g. {@code drwxr-xr-x}, {@code
   * Lrwxrwxrwx}, {@code dtrwxrwxrwx} (sticky), {@code Dcrw-rw-rw-} (character device).
   */
  public static String goModeString(int mode) {
    StringBuilder sb = new StringBuilder(12);
    int type = mode & S_IFMT;
    // Go's type letters in its bit order: d a l T L D p S u g c t ?
    if (type == S_IFDIR) {
      sb.append('d');
    }
    if (type == S_IFLNK) {
      sb.append('L');
    }
    if (type == S_IFBLK || type == S_IFCHR) {
      sb.append('D');
    }
    if (type == S_IFIFO) {
      sb.append('p');
    }
    if (type == S_IFSOCK) {
      sb.append('S');
    }
    if ((mode & 04000) != 0) {
      sb.append('u');
    }
    if ((mode & 02000) != 0) {
      sb.append('g');
    }
    if (type == S_IFCHR) {
      sb.append('c');
    }
    if ((mode & 01000) != 0) {
      sb.append('t');
    }
    if (sb.length() == 0) {
      sb.append('-');
    }
    String chars = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      sb.append((mode & (1 << (8 - i))) != 0 ? chars.charAt(i) : '-');
    }
    return sb.toString();
  }
}
