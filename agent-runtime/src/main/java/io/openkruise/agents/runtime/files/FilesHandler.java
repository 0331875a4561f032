package io.openkruise.agents.runtime.files;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.ErrorMapping;
import io.openkruise.agents.runtime.connect.Json;
import io.openkruise.agents.runtime.filesystem.FileMetadata;
import io.openkruise.agents.runtime.filesystem.FileOwners;
import io.openkruise.agents.runtime.http.HttpErrors;
import io.openkruise.agents.runtime.init.InitState;
import io.openkruise.agents.runtime.paths.SandboxPaths;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code GET /files} (download) and {@code POST /files} (multipart or octet-stream upload).
 *
 * <p>Bodies stream to a staging file outside the sandbox's tree, so a failed or oversized upload
 * never touches the target. Once complete, the staged bytes are written into the target in place
 * (create or truncate, as envd's {@code O_TRUNC} open), so watchers see CREATE/WRITE of the file
 * itself and an overwritten file keeps its inode; then its metadata ({@code X-Metadata-*}) replaces
 * what the file had.
 */
public final class FilesHandler {
  private static final Logger LOG = Logger.getLogger(FilesHandler.class.getName());

  private final Vertx vertx;
  private final SandboxPaths paths;
  private final InitState init;
  private final FileOwners owners;
  private final long maxUploadBytes;
  private final Path staging;
  private final java.util.Set<Promise<ObjectNode>> aborted =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Files of this size are read into memory on download: procfs reports size 0 for all. */
  static final long SMALL_OR_VIRTUAL = 0;

  /** Cap on reading a file that reports size 0 (procfs files are small). */
  static final int MAX_VIRTUAL_FILE_BYTES = 16 << 20;

  public FilesHandler(
      Vertx vertx, SandboxPaths paths, InitState init, FileOwners owners, long maxUploadBytes) {
    this.vertx = vertx;
    this.paths = paths;
    this.init = init;
    this.owners = owners;
    this.maxUploadBytes = maxUploadBytes;
    // Outside the sandbox's tree in the simulated node (host /tmp); in a container a directory
    // nobody watches by accident, shared by every instance of this JVM.
    this.staging = Path.of(System.getProperty("java.io.tmpdir"), "agent-runtime-uploads");
  }

  /** Sandbox home for the {@code username} query parameter (default user when absent). */
  String homeFor(String username) {
    if (username == null || username.isEmpty()) {
      return init.home();
    }
    return "root".equals(username) ? "/root" : "/home/" + username;
  }

  private static void error(HttpServerResponse resp, Throwable t) {
    int status = t instanceof UploadTooLargeException ? 413 : ErrorMapping.httpStatus(t);
    HttpErrors.send(resp, status, ErrorMapping.describe(t));
  }

  public void download(HttpServerRequest req) {
    String path = req.getParam("path");
    String home = homeFor(req.getParam("username"));
    if (path == null || path.isEmpty()) {
      HttpErrors.send(req.response(), 400, "query parameter path is required");
      return;
    }
    vertx
        .<Path>executeBlocking(
            () -> {
              String sp = paths.sandboxPath(path, home);
              Path h = paths.resolve(sp, home);
              if (!Files.exists(h)) {
                throw new NoSuchFileException(sp);
              }
              if (Files.isDirectory(h)) {
                throw new IllegalArgumentException("path " + sp + " is a directory");
              }
              return h;
            },
            false)
        .onFailure(t -> error(req.response(), t))
        .onSuccess(
            h -> {
              HttpServerResponse resp = req.response();
              String name = h.getFileName().toString().replace("\"", "");
              resp.putHeader("Content-Type", "application/octet-stream")
                  .putHeader("Content-Disposition", "attachment; filename=\"" + name + "\"")
                  .putHeader("Cache-Control", "no-store");
              sendContent(resp, h);
            });
  }

  /**
   * Sends a file; one that reports size 0 is read instead (procfs and sysfs files have content but
   * size 0, and sendfile would send nothing).
   */
  private void sendContent(HttpServerResponse resp, Path h) {
    vertx
        .<Buffer>executeBlocking(
            () -> {
              if (Files.size(h) != SMALL_OR_VIRTUAL) {
                return null;
              }
              try (java.io.InputStream in = Files.newInputStream(h)) {
                byte[] data = in.readNBytes(MAX_VIRTUAL_FILE_BYTES);
                return Buffer.buffer(data);
              }
            },
            false)
        .onFailure(t -> error(resp, t))
        .onSuccess(
            data -> {
              if (data == null) {
                resp.sendFile(h.toString()).onFailure(t -> error(resp, t));
              } else {
                resp.end(data);
              }
            });
  }

  public void upload(HttpServerRequest req) {
    String path = req.getParam("path");
    String home = homeFor(req.getParam("username"));
    Map<String, String> metadata;
    try {
      metadata = FileMetadata.fromHeaders(req.headers());
    } catch (RuntimeException e) {
      error(req.response(), e);
      return;
    }
    String contentType = req.getHeader("Content-Type");
    boolean multipart = contentType != null && contentType.toLowerCase().startsWith("multipart/");
    AtomicLong total = new AtomicLong();
    List<Future<ObjectNode>> written = new ArrayList<>();
    Promise<Void> bodyDone = Promise.promise();
    req.exceptionHandler(bodyDone::tryFail);

    if (multipart) {
      req.setExpectMultipart(true);
      req.uploadHandler(
          upload -> {
            String target = path != null && !path.isEmpty() ? path : upload.filename();
            written.add(store(upload, target, home, metadata, total));
          });
      req.endHandler(v -> bodyDone.tryComplete());
    } else {
      if (path == null || path.isEmpty()) {
        HttpErrors.send(req.response(), 400, "query parameter path is required for a raw upload");
        return;
      }
      written.add(store(req, path, home, metadata, total));
      bodyDone.tryComplete();
    }

    bodyDone
        .future()
        .compose(v -> Future.all(new ArrayList<>(written)))
        .onSuccess(
            all -> {
              if (written.isEmpty()) {
                HttpErrors.send(req.response(), 400, "no part named file in the multipart body");
                return;
              }
              ArrayNode arr = Json.MAPPER.createArrayNode();
              for (Future<ObjectNode> f : written) {
                arr.add(f.result());
              }
              req.response()
                  .setStatusCode(200)
                  .putHeader("Content-Type", "application/json")
                  .end(Json.toBuffer(arr));
            })
        .onFailure(
            t -> {
              error(req.response(), t);
              if (t instanceof UploadTooLargeException) {
                // The client may still be sending; do not read the rest of a huge body.
                req.connection().close();
              }
            });
  }

  /** Thrown when the body grows past the configured cap. */
  static final class UploadTooLargeException
      extends io.openkruise.agents.runtime.connect.ConnectException {
    UploadTooLargeException(long max) {
      super(
          io.openkruise.agents.runtime.connect.ConnectCode.RESOURCE_EXHAUSTED,
          "upload exceeds the limit of " + max + " bytes");
    }
  }

  private Future<ObjectNode> store(
      ReadStream<Buffer> source,
      String target,
      String home,
      Map<String, String> metadata,
      AtomicLong total) {
    source.pause();
    Promise<ObjectNode> done = Promise.promise();
    if (target == null || target.isEmpty() || "undefined".equals(target)) {
      source.handler(b -> {}).resume();
      return Future.failedFuture(
          new IllegalArgumentException("upload has no target path (set the path query)"));
    }
    vertx
        .<Path[]>executeBlocking(
            () -> {
              String sp = paths.sandboxPath(target, home);
              paths.checkWritable(sp);
              Path h = paths.resolve(sp, home);
              if (Files.isDirectory(h)) {
                throw new IllegalArgumentException("path " + sp + " is a directory");
              }
              Files.createDirectories(staging);
              Path tmp = staging.resolve(UUID.randomUUID() + ".upload");
              return new Path[] {h, tmp, Path.of(sp)};
            },
            false)
        .onFailure(
            t -> {
              source.handler(b -> {}).resume();
              done.tryFail(t);
            })
        .onSuccess(
            p ->
                vertx
                    .fileSystem()
                    .open(p[1].toString(), new OpenOptions().setWrite(true).setCreateNew(true))
                    .onFailure(
                        t -> {
                          source.handler(b -> {}).resume();
                          done.tryFail(t);
                        })
                    .onSuccess(
                        file ->
                            pump(
                                source, file, p[0], p[1], p[2].toString(), metadata, total, done)));
    return done.future();
  }

  private void pump(
      ReadStream<Buffer> source,
      AsyncFile file,
      Path target,
      Path tmp,
      String sandboxPath,
      Map<String, String> metadata,
      AtomicLong total,
      Promise<ObjectNode> done) {
    source.handler(
        buf -> {
          if (done.future().isComplete() || aborted.contains(done)) {
            return;
          }
          if (total.addAndGet(buf.length()) > maxUploadBytes) {
            abort(file, tmp, done, new UploadTooLargeException(maxUploadBytes));
            return;
          }
          file.write(buf);
          if (file.writeQueueFull()) {
            source.pause();
            file.drainHandler(v -> source.resume());
          }
        });
    source.exceptionHandler(t -> abort(file, tmp, done, t));
    source.endHandler(
        v -> {
          if (done.future().isComplete() || aborted.contains(done)) {
            return;
          }
          file.close()
              .compose(
                  x ->
                      vertx.executeBlocking(
                          () -> {
                            try {
                              place(tmp, target, metadata);
                            } finally {
                              Files.deleteIfExists(tmp);
                            }
                            ObjectNode entry = Json.object();
                            entry.put("name", target.getFileName().toString());
                            entry.put("type", "file");
                            entry.put("path", sandboxPath);
                            FileMetadata.addTo(entry, target);
                            return entry;
                          },
                          false))
              .onSuccess(done::tryComplete)
              .onFailure(t -> abort(file, tmp, done, t));
        });
    source.resume();
  }

  /**
   * Writes the staged body into {@code target} in place, creating it and its parents (handed to the
   * default user, as envd does), then replaces its metadata.
   */
  private void place(Path staged, Path target, Map<String, String> metadata)
      throws java.io.IOException {
    List<Path> missing = new ArrayList<>();
    for (Path p = target.getParent(); p != null && !Files.exists(p); p = p.getParent()) {
      missing.add(0, p);
    }
    for (Path p : missing) {
      try {
        Files.createDirectory(p);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // Made by a concurrent upload.
      }
      owners.handOver(p);
    }
    boolean existed = Files.exists(target);
    try (FileChannel in = FileChannel.open(staged, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(
                target,
                StandardOpenOption.WRITE,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
      long size = in.size();
      long pos = 0;
      while (pos < size) {
        pos += in.transferTo(pos, size - pos, out);
      }
    }
    if (!existed) {
      owners.handOver(target);
    }
    FileMetadata.replace(target, metadata);
  }

  private void abort(AsyncFile file, Path tmp, Promise<ObjectNode> done, Throwable cause) {
    if (done.future().isComplete() || !aborted.add(done)) {
      return;
    }
    // Respond only after the partial file is gone, so callers never observe it.
    file.close()
        .transform(
            x ->
                vertx.executeBlocking(
                    () -> {
                      try {
                        Files.deleteIfExists(tmp);
                      } catch (java.io.IOException e) {
                        LOG.log(Level.FINE, "cannot delete " + tmp, e);
                      }
                      return null;
                    },
                    false))
        .onComplete(
            x -> {
              aborted.remove(done);
              done.tryFail(cause);
            });
  }
}
