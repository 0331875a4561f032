package io.openkruise.agents.runtime.filesystem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * User and group names of file owners, and the ownership new files get, as envd reports and sets
 * them.
 *
 * <p>In a container ({@code /} is the sandbox's {@code /}) names come from {@code /etc/passwd} and
 * {@code /etc/group}, numeric IDs when unknown (as envd), and when the runtime runs as root the
 * files and directories it creates are handed to the default user, as envd does. In the simulated
 * node every file of the sandbox belongs to the host user running the runtime; those are reported
 * as the default user ({@code user}), which is what the files would carry in E2B's template.
 */
public final class FileOwners {
  private static final Logger LOG = Logger.getLogger(FileOwners.class.getName());

  private final boolean simulated;
  private final Supplier<String> defaultUser;
  private final int ownUid;
  private final int ownGid;
  private final Map<Integer, String> users;
  private final Map<Integer, String> groups;

  FileOwners(
      boolean simulated,
      Supplier<String> defaultUser,
      int ownUid,
      int ownGid,
      Map<Integer, String> users,
      Map<Integer, String> groups) {
    this.simulated = simulated;
    this.defaultUser = defaultUser;
    this.ownUid = ownUid;
    this.ownGid = ownGid;
    this.users = users;
    this.groups = groups;
  }

  /** Names from this machine's account files; {@code simulated} as described above. */
  public static FileOwners system(boolean simulated, Supplier<String> defaultUser) {
    int uid = -1;
    int gid = -1;
    try {
      uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
    } catch (IOException | UnsupportedOperationException e) {
      LOG.log(Level.FINE, "own uid unknown", e);
    }
    return new FileOwners(
        simulated,
        defaultUser,
        uid,
        gid,
        idNames(Path.of("/etc/passwd")),
        idNames(Path.of("/etc/group")));
  }

  /** {@code id -> name} of an {@code /etc/passwd}-style file. */
  static Map<Integer, String> idNames(Path file) {
    Map<Integer, String> out = new HashMap<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      return out;
    }
    for (String line : lines) {
      String[] f = line.split(":", -1);
      if (f.length >= 3) {
        try {
          out.putIfAbsent(Integer.parseInt(f[2]), f[0]);
        } catch (NumberFormatException ignored) {
          // Not an account line.
        }
      }
    }
    return out;
  }

  public String user(int uid) {
    if (simulated && uid == ownUid) {
      return defaultUser.get();
    }
    return users.getOrDefault(uid, Integer.toString(uid));
  }

  public String group(int gid) {
    if (simulated && gid == ownGid) {
      return defaultUser.get();
    }
    return groups.getOrDefault(gid, Integer.toString(gid));
  }

  /**
   * Hands a file or directory the runtime just created to the default user, when the runtime runs
   * as root in a container (envd does the same); a no-op otherwise.
   */
  public void handOver(Path created) {
    if (simulated || ownUid != 0) {
      return;
    }
    Optional<Integer> uid = idOf(users, defaultUser.get());
    if (uid.isEmpty() || uid.get() == 0) {
      return;
    }
    try {
      UserPrincipalLookupService lookup = created.getFileSystem().getUserPrincipalLookupService();
      UserPrincipal owner = lookup.lookupPrincipalByName(defaultUser.get());
      PosixFileAttributeView view =
          Files.getFileAttributeView(
              created, PosixFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      view.setOwner(owner);
      try {
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(defaultUser.get());
        view.setGroup(group);
      } catch (IOException e) {
        // No group of the user's name: keep root's group.
      }
    } catch (IOException | UnsupportedOperationException e) {
      LOG.log(Level.FINE, "cannot hand " + created + " to " + defaultUser.get(), e);
    }
  }

  private static Optional<Integer> idOf(Map<Integer, String> names, String name) {
    return names.entrySet().stream()
        .filter(e -> e.getValue().equals(name))
        .map(Map.Entry::getKey)
        .findFirst();
  }
}
