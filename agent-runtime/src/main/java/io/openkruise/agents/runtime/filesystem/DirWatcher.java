package io.openkruise.agents.runtime.filesystem;

import io.openkruise.agents.runtime.process.IoThreads;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches a directory (optionally its whole tree) with the JDK watch service (inotify on Linux) and
 * reports envd event types. The JDK folds chmod into modify, and a rename arrives as remove +
 * create, so RENAME and CHMOD are never reported.
 */
public final class DirWatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DirWatcher.class.getName());

  /** One change, {@code relative} to the watched directory. */
  public record Change(Path absolute, String relative, String type) {}

  private final Path root;
  private final boolean recursive;
  private final Consumer<Change> sink;
  private final WatchService service;
  private final Map<WatchKey, Path> keys = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public DirWatcher(Path root, boolean recursive, Consumer<Change> sink) throws IOException {
    this.root = root;
    this.recursive = recursive;
    this.sink = sink;
    this.service = FileSystems.getDefault().newWatchService();
    try {
      register(root);
    } catch (IOException e) {
      service.close();
      throw e;
    }
    IoThreads.POOL.execute(this::loop);
  }

  private void register(Path dir) throws IOException {
    if (!recursive) {
      keys.put(registerOne(dir), dir);
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs)
              throws IOException {
            keys.put(registerOne(d), d);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private WatchKey registerOne(Path dir) throws IOException {
    return dir.register(
        service,
        StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_MODIFY,
        StandardWatchEventKinds.ENTRY_DELETE);
  }

  private void loop() {
    try {
      while (!closed) {
        WatchKey key = service.take();
        Path dir = keys.get(key);
        for (WatchEvent<?> ev : key.pollEvents()) {
          if (ev.kind() == StandardWatchEventKinds.OVERFLOW || dir == null) {
            continue;
          }
          Path abs = dir.resolve((Path) ev.context());
          String type = eventType(ev.kind());
          if (recursive
              && ev.kind() == StandardWatchEventKinds.ENTRY_CREATE
              && Files.isDirectory(abs)) {
            try {
              register(abs);
            } catch (IOException e) {
              LOG.log(Level.FINE, "cannot watch new directory " + abs, e);
            }
          }
          sink.accept(new Change(abs, root.relativize(abs).toString(), type));
        }
        if (!key.reset()) {
          keys.remove(key);
          if (dir != null && dir.equals(root)) {
            return;
          }
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // Closed.
    }
  }

  static String eventType(WatchEvent.Kind<?> kind) {
    if (kind == StandardWatchEventKinds.ENTRY_CREATE) {
      return "EVENT_TYPE_CREATE";
    }
    if (kind == StandardWatchEventKinds.ENTRY_DELETE) {
      return "EVENT_TYPE_REMOVE";
    }
    return "EVENT_TYPE_WRITE";
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
