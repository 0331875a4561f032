package io.openkruise.agents.runtime.filesystem;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.ConnectCode;
import io.openkruise.agents.runtime.connect.ConnectException;
import io.openkruise.agents.runtime.connect.ConnectRouter;
import io.openkruise.agents.runtime.connect.Json;
import io.openkruise.agents.runtime.connect.RpcCall;
import io.openkruise.agents.runtime.connect.ServerStream;
import io.openkruise.agents.runtime.init.InitState;
import io.openkruise.agents.runtime.paths.SandboxPaths;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The {@code filesystem.Filesystem} Connect service. */
public final class FilesystemService {
  public static final String SERVICE = "filesystem.Filesystem";

  /** Polling watchers keep at most this many undelivered events. */
  static final int MAX_BUFFERED_EVENTS = 10_000;

  private final Vertx vertx;
  private final SandboxPaths paths;
  private final InitState init;
  private final FileOwners owners;
  private final Map<String, PollingWatcher> watchers = new ConcurrentHashMap<>();
  private final Map<DirWatcher, Boolean> streams = new ConcurrentHashMap<>();

  public FilesystemService(Vertx vertx, SandboxPaths paths, InitState init, FileOwners owners) {
    this.vertx = vertx;
    this.paths = paths;
    this.init = init;
    this.owners = owners;
  }

  public void register(ConnectRouter router) {
    router
        .unary(SERVICE, "Stat", this::stat)
        .unary(SERVICE, "MakeDir", this::makeDir)
        .unary(SERVICE, "Move", this::move)
        .unary(SERVICE, "ListDir", this::listDir)
        .unary(SERVICE, "Remove", this::remove)
        .streaming(SERVICE, "WatchDir", this::watchDir)
        .unary(SERVICE, "CreateWatcher", this::createWatcher)
        .unary(SERVICE, "GetWatcherEvents", this::getWatcherEvents)
        .unary(SERVICE, "RemoveWatcher", this::removeWatcher);
  }

  private Future<ObjectNode> blocking(Callable<ObjectNode> work) {
    return vertx.executeBlocking(work, false);
  }

  private String sandboxPath(ObjectNode req, String field) throws IOException {
    String p = Json.text(req, field, "");
    if (p.isEmpty()) {
      throw ConnectException.invalidArgument(field + " is required");
    }
    return paths.sandboxPath(p, init.home());
  }

  private Path host(String sandboxPath) throws IOException {
    return paths.resolve(sandboxPath, init.home());
  }

  private static ObjectNode withEntry(ObjectNode entry) {
    ObjectNode res = Json.object();
    res.set("entry", entry);
    return res;
  }

  private Future<ObjectNode> stat(RpcCall call, ObjectNode req) {
    return blocking(
        () -> {
          String sp = sandboxPath(req, "path");
          Path h = host(sp);
          if (!Files.exists(h, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(sp);
          }
          return withEntry(EntryInfos.describe(paths, owners, h, sp));
        });
  }

  private Future<ObjectNode> makeDir(RpcCall call, ObjectNode req) {
    return blocking(
        () -> {
          String sp = sandboxPath(req, "path");
          paths.checkWritable(sp);
          Path h = host(sp);
          if (Files.isDirectory(h)) {
            throw new FileAlreadyExistsException(sp, null, "directory already exists");
          }
          if (Files.exists(h)) {
            throw ConnectException.invalidArgument(
                "path already exists but it is not a directory: " + sp);
          }
          ensureDirs(h);
          return withEntry(EntryInfos.describe(paths, owners, h, sp));
        });
  }

  private Future<ObjectNode> move(RpcCall call, ObjectNode req) {
    return blocking(
        () -> {
          String src = sandboxPath(req, "source");
          String dst = sandboxPath(req, "destination");
          paths.checkWritable(src);
          paths.checkWritable(dst);
          Path hs = host(src);
          Path hd = host(dst);
          if (!Files.exists(hs, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(src);
          }
          if (hd.getParent() != null) {
            ensureDirs(hd.getParent());
          }
          Files.move(hs, hd, StandardCopyOption.REPLACE_EXISTING);
          return withEntry(EntryInfos.describe(paths, owners, hd, dst));
        });
  }

  private Future<ObjectNode> listDir(RpcCall call, ObjectNode req) {
    return blocking(
        () -> {
          String sp = sandboxPath(req, "path");
          long depth = Json.longValue(req.get("depth"), 1);
          if (depth < 0) {
            throw ConnectException.invalidArgument("depth must not be negative");
          }
          Path h = host(sp);
          if (!Files.exists(h)) {
            throw new NoSuchFileException(sp);
          }
          if (!Files.isDirectory(h)) {
            throw new NotDirectoryException(sp);
          }
          ObjectNode res = Json.object();
          ArrayNode entries = res.putArray("entries");
          list(h, sp, (int) Math.max(1, depth), entries);
          return res;
        });
  }

  private void list(Path dir, String sandboxDir, int depth, ArrayNode out) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(children::add);
    }
    children.sort(null);
    for (Path child : children) {
      String childSandbox = ("/".equals(sandboxDir) ? "" : sandboxDir) + "/" + child.getFileName();
      try {
        out.add(EntryInfos.describe(paths, owners, child, childSandbox));
      } catch (NoSuchFileException e) {
        continue; // Removed while listing.
      }
      // Do not descend through symlinks: no loops, no escapes.
      if (depth > 1 && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
        list(child, childSandbox, depth - 1, out);
      }
    }
  }

  private Future<ObjectNode> remove(RpcCall call, ObjectNode req) {
    return blocking(
        () -> {
          String sp = sandboxPath(req, "path");
          if ("/".equals(sp)) {
            throw new ConnectException(
                ConnectCode.PERMISSION_DENIED, "refusing to remove the sandbox root");
          }
          paths.checkWritable(sp);
          Path h = host(sp);
          // As envd (os.RemoveAll): removing what is not there succeeds.
          if (Files.exists(h, LinkOption.NOFOLLOW_LINKS)) {
            deleteTree(h);
          }
          return Json.object();
        });
  }

  /**
   * Creates {@code dir} and its missing parents, each handed to the default user as envd's
   * EnsureDirs does.
   */
  private void ensureDirs(Path dir) throws IOException {
    List<Path> missing = new ArrayList<>();
    for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
      missing.add(0, p);
    }
    for (Path p : missing) {
      try {
        Files.createDirectory(p);
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(p)) {
          throw ConnectException.invalidArgument("path is a file: " + paths.toSandbox(p));
        }
      }
      owners.handOver(p);
    }
  }

  /**
   * Deletes a file or tree without following symlinks (a mounted volume link goes, not its data).
   */
  static void deleteTree(Path p) throws IOException {
    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(p);
      return;
    }
    Files.walkFileTree(
        p,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null) {
              throw exc;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private record WatchArgs(String sandboxPath, Path host, boolean recursive, boolean entry) {}

  /** File system types envd refuses to watch unless asked to (events may never arrive there). */
  static boolean networkFileSystem(String type) {
    String t = type.toLowerCase(java.util.Locale.ROOT);
    return t.equals("nfs")
        || t.equals("nfs4")
        || t.equals("cifs")
        || t.equals("smb")
        || t.equals("smb2")
        || t.equals("smbfs")
        || t.equals("fuse")
        || t.startsWith("fuse.");
  }

  private WatchArgs watchArgs(ObjectNode req) throws IOException {
    String sp = sandboxPath(req, "path");
    Path h = host(sp);
    if (!Files.exists(h)) {
      throw new NoSuchFileException(sp);
    }
    if (!Files.isDirectory(h)) {
      throw new NotDirectoryException(sp);
    }
    if (!req.path("allowNetworkMounts").asBoolean(false)
        && networkFileSystem(Files.getFileStore(h).type())) {
      throw ConnectException.invalidArgument("cannot watch path on network filesystem: " + sp);
    }
    return new WatchArgs(
        sp, h, req.path("recursive").asBoolean(false), req.path("includeEntry").asBoolean(false));
  }

  private ObjectNode eventMessage(WatchArgs args, DirWatcher.Change c) {
    ObjectNode ev = Json.object();
    ev.put("name", c.relative());
    ev.put("type", c.type());
    // As envd: only events whose entry still exists at the path carry it (not REMOVE, RENAME).
    if (args.entry()
        && ("EVENT_TYPE_CREATE".equals(c.type())
            || "EVENT_TYPE_WRITE".equals(c.type())
            || "EVENT_TYPE_CHMOD".equals(c.type()))) {
      String childSandbox =
          ("/".equals(args.sandboxPath()) ? "" : args.sandboxPath()) + "/" + c.relative();
      try {
        ev.set("entry", EntryInfos.describe(paths, owners, c.absolute(), childSandbox));
      } catch (IOException e) {
        // Gone again: report without entry.
      }
    }
    return ev;
  }

  private void watchDir(RpcCall call, ObjectNode req, ServerStream stream) {
    vertx
        .<DirWatcher>executeBlocking(
            () -> {
              WatchArgs args = watchArgs(req);
              return new DirWatcher(
                  args.host(),
                  args.recursive(),
                  c -> {
                    ObjectNode msg = Json.object();
                    msg.set("filesystem", eventMessage(args, c));
                    stream.send(msg);
                  });
            },
            false)
        .onFailure(stream::fail)
        .onSuccess(
            w -> {
              streams.put(w, Boolean.TRUE);
              ObjectNode start = Json.object();
              start.putObject("start");
              stream.send(start);
              long interval = TimeUnit.SECONDS.toMillis(call.keepaliveSeconds());
              long timer =
                  vertx.setPeriodic(
                      interval,
                      id -> {
                        ObjectNode ka = Json.object();
                        ka.putObject("keepalive");
                        stream.send(ka);
                      });
              stream.onClose(
                  () -> {
                    vertx.cancelTimer(timer);
                    streams.remove(w);
                    w.close();
                  });
              if (call.timeoutMs() > 0) {
                vertx.setTimer(call.timeoutMs(), id -> stream.end());
              }
            });
  }

  private static final class PollingWatcher {
    final DirWatcher watcher;
    final List<ObjectNode> events = new ArrayList<>();
    final AtomicLong dropped = new AtomicLong();

    PollingWatcher(DirWatcher watcher) {
      this.watcher = watcher;
    }
  }

  private Future<ObjectNode> createWatcher(RpcCall call, ObjectNode req) {
    return blocking(
        () -> {
          WatchArgs args = watchArgs(req);
          String id = UUID.randomUUID().toString();
          PollingWatcher[] holder = new PollingWatcher[1];
          DirWatcher w =
              new DirWatcher(
                  args.host(),
                  args.recursive(),
                  c -> {
                    PollingWatcher pw = holder[0];
                    if (pw == null) {
                      return;
                    }
                    synchronized (pw) {
                      if (pw.events.size() < MAX_BUFFERED_EVENTS) {
                        pw.events.add(eventMessage(args, c));
                      } else {
                        pw.dropped.incrementAndGet();
                      }
                    }
                  });
          holder[0] = new PollingWatcher(w);
          watchers.put(id, holder[0]);
          ObjectNode res = Json.object();
          res.put("watcherId", id);
          return res;
        });
  }

  private PollingWatcher watcher(ObjectNode req) {
    String id = Json.text(req, "watcherId", "");
    PollingWatcher pw = watchers.get(id);
    if (pw == null) {
      throw ConnectException.notFound("watcher " + id + " not found");
    }
    return pw;
  }

  private Future<ObjectNode> getWatcherEvents(RpcCall call, ObjectNode req) {
    PollingWatcher pw = watcher(req);
    ObjectNode res = Json.object();
    ArrayNode arr = res.putArray("events");
    synchronized (pw) {
      pw.events.forEach(arr::add);
      pw.events.clear();
    }
    return Future.succeededFuture(res);
  }

  private Future<ObjectNode> removeWatcher(RpcCall call, ObjectNode req) {
    PollingWatcher pw = watcher(req);
    watchers.values().remove(pw);
    pw.watcher.close();
    return Future.succeededFuture(Json.object());
  }

  /** Stops every watcher (instance shutdown). */
  public void closeAll() {
    watchers.values().forEach(pw -> pw.watcher.close());
    watchers.clear();
    streams.keySet().forEach(DirWatcher::close);
    streams.clear();
  }
}
