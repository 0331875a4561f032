package io.openkruise.agents.runtime.filesystem;

import io.openkruise.agents.runtime.process.IoThreads;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches a directory (optionally its whole tree) and reports envd's event types: CREATE, WRITE,
 * REMOVE, RENAME and CHMOD.
 *
 * <p>The JDK watch service (inotify on Linux) folds a change of attributes into ENTRY_MODIFY and
 * reports a rename as ENTRY_DELETE + ENTRY_CREATE, so this class keeps what it last saw of each
 * entry (inode, permissions, size, times) and tells them apart: a modify that changed neither size
 * nor modification time but the permissions or the change time is a CHMOD; a delete whose inode,
 * size and modification time reappear under a created name in the same batch of events is a RENAME
 * of the old name (followed by CREATE of the new one, as envd sends). A rename out of the watched
 * tree therefore still shows as REMOVE (envd: RENAME). No native code: the JDK has no inotify API
 * and the watch service is the supported way to reach it.
 */
public final class DirWatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DirWatcher.class.getName());

  public static final String CREATE = "EVENT_TYPE_CREATE";
  public static final String WRITE = "EVENT_TYPE_WRITE";
  public static final String REMOVE = "EVENT_TYPE_REMOVE";
  public static final String RENAME = "EVENT_TYPE_RENAME";
  public static final String CHMOD = "EVENT_TYPE_CHMOD";

  /** How long to wait for the other half of a rename (another directory's key) once woken. */
  private static final long BATCH_MILLIS = 30;

  /** One change, {@code relative} to the watched directory. */
  public record Change(Path absolute, String relative, String type) {}

  /** What was last seen of an entry. */
  record Seen(Object fileKey, int perm, long size, long modifiedNanos, long changedNanos) {
    boolean sameContent(Seen o) {
      return size == o.size && modifiedNanos == o.modifiedNanos;
    }

    boolean sameFile(Seen o) {
      return Objects.equals(fileKey, o.fileKey) && sameContent(o);
    }
  }

  private record Raw(Path absolute, WatchEvent.Kind<?> kind, int count) {}

  private final Path root;
  private final boolean recursive;
  private final Consumer<Change> sink;
  private final WatchService service;
  private final Map<WatchKey, Path> keys = new ConcurrentHashMap<>();
  private final Map<Path, Seen> seen = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public DirWatcher(Path root, boolean recursive, Consumer<Change> sink) throws IOException {
    this.root = root;
    this.recursive = recursive;
    this.sink = sink;
    this.service = FileSystems.getDefault().newWatchService();
    try {
      register(root, null);
    } catch (IOException e) {
      service.close();
      throw e;
    }
    IoThreads.POOL.execute(this::loop);
  }

  /**
   * Watches {@code dir} (and its tree when recursive) and records its entries; with {@code found}
   * non-null, the entries found are added to it (a directory created after the watch started may
   * already hold files whose events came before its watch).
   */
  private void register(Path dir, List<Path> found) throws IOException {
    if (!recursive) {
      keys.put(registerOne(dir), dir);
      remember(dir, found);
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs)
              throws IOException {
            keys.put(registerOne(d), d);
            remember(d, found);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private void remember(Path dir, List<Path> found) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path child : ds) {
        Seen s = stat(child);
        if (s != null && seen.putIfAbsent(child, s) == null && found != null) {
          found.add(child);
        }
      }
    } catch (IOException e) {
      LOG.log(Level.FINE, "cannot list " + dir, e);
    }
  }

  private WatchKey registerOne(Path dir) throws IOException {
    return dir.register(
        service,
        StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_MODIFY,
        StandardWatchEventKinds.ENTRY_DELETE);
  }

  static Seen stat(Path p) {
    try {
      Map<String, Object> a =
          Files.readAttributes(
              p, "unix:mode,ino,dev,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
      return new Seen(
          List.of(a.get("dev"), a.get("ino")),
          (Integer) a.get("mode") & 07777,
          (Long) a.get("size"),
          nanos(a.get("lastModifiedTime")),
          nanos(a.get("ctime")));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return null;
    }
  }

  private static long nanos(Object fileTime) {
    java.time.Instant i = ((java.nio.file.attribute.FileTime) fileTime).toInstant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  private void loop() {
    try {
      while (!closed) {
        List<Raw> batch = new ArrayList<>();
        WatchKey key = service.take();
        while (key != null) {
          drain(key, batch);
          key = service.poll(BATCH_MILLIS, TimeUnit.MILLISECONDS);
        }
        for (Change c : classify(batch)) {
          sink.accept(c);
        }
        if (keys.isEmpty()) {
          return; // The watched directory is gone.
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // Closed.
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "watch of " + root + " failed", e);
    }
  }

  private void drain(WatchKey key, List<Raw> batch) {
    Path dir = keys.get(key);
    for (WatchEvent<?> ev : key.pollEvents()) {
      if (ev.kind() != StandardWatchEventKinds.OVERFLOW && dir != null) {
        batch.add(new Raw(dir.resolve((Path) ev.context()), ev.kind(), ev.count()));
      }
    }
    if (!key.reset()) {
      keys.remove(key);
    }
  }

  /** Turns one batch of JDK events into envd events (see the class comment). */
  List<Change> classify(List<Raw> batch) {
    Map<Path, Seen> created = new java.util.HashMap<>();
    Set<Object> createdKeys = new HashSet<>();
    for (Raw r : batch) {
      if (r.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
        Seen s = stat(r.absolute());
        if (s != null) {
          created.put(r.absolute(), s);
          createdKeys.add(s.fileKey());
        }
      }
    }
    List<Change> out = new ArrayList<>();
    for (Raw r : batch) {
      Path abs = r.absolute();
      if (r.kind() == StandardWatchEventKinds.ENTRY_DELETE) {
        Seen old = seen.remove(abs);
        boolean renamed =
            old != null
                && createdKeys.contains(old.fileKey())
                && created.values().stream().anyMatch(old::sameFile);
        out.add(change(abs, renamed ? RENAME : REMOVE));
      } else if (r.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
        Seen now = created.get(abs);
        if (now != null) {
          seen.put(abs, now);
        }
        out.add(change(abs, CREATE));
        if (recursive && Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
          List<Path> found = new ArrayList<>();
          try {
            register(abs, found);
          } catch (IOException e) {
            LOG.log(Level.FINE, "cannot watch new directory " + abs, e);
          }
          // What a watch registered in time would have reported: CREATE, and WRITE for a file
          // whose content arrived before this directory's watch existed.
          for (Path p : found) {
            out.add(change(p, CREATE));
            Seen got = seen.get(p);
            if (got != null
                && got.size() > 0
                && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
              out.add(change(p, WRITE));
            }
          }
        }
      } else {
        Seen old = seen.get(abs);
        Seen now = stat(abs);
        if (now != null) {
          seen.put(abs, now);
        }
        out.addAll(modified(abs, old, now, r.count()));
      }
    }
    return out;
  }

  private List<Change> modified(Path abs, Seen old, Seen now, int count) {
    if (old == null || now == null) {
      return List.of(change(abs, WRITE));
    }
    List<Change> out = new ArrayList<>();
    boolean content = !old.sameContent(now);
    boolean chmod =
        old.perm() != now.perm() || (!content && old.changedNanos() != now.changedNanos());
    if (content || !chmod) {
      // The JDK folds repeated modifications of one entry into one event with a count.
      int writes = Math.max(1, chmod ? count - 1 : count);
      for (int i = 0; i < writes; i++) {
        out.add(change(abs, WRITE));
      }
    }
    if (chmod) {
      out.add(change(abs, CHMOD));
    }
    return out;
  }

  private Change change(Path abs, String type) {
    return new Change(abs, root.relativize(abs).toString(), type);
  }

  @Override
  public void close() {
    closed = true;
    try {
      service.close();
    } catch (IOException e) {
      LOG.log(Level.FINE, "closing watch service", e);
    }
  }
}
