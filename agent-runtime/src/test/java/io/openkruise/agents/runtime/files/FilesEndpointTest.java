package io.openkruise.agents.runtime.files;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.runtime.TestRuntime;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GET/POST /files over real sockets. */
@io.openkruise.agents.testing.tier.UnitTier
class FilesEndpointTest {
  @RegisterExtension
  static final TestRuntime rt = TestRuntime.perClass(b -> b.maxUploadBytes(1 << 20));

  static byte[] multipart(String boundary, String filename, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String head =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + filename
            + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(content);
    out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  @Test
  void multipartUploadThenDownloadRoundTrip() throws Exception {
    byte[] content = new byte[200_000];
    new Random(1).nextBytes(content);
    HttpResponse<String> up =
        rt.post(
            rt.envdUrl("/files?path=/home/user/dir/data.bin"),
            "multipart/form-data; boundary=XyZ",
            multipart("XyZ", "ignored-name", content));
    assertThat(up.statusCode()).isEqualTo(200);
    JsonNode arr = TestRuntime.JSON.readTree(up.body());
    assertThat(arr).hasSize(1);
    JsonNode e = arr.get(0);
    assertThat(e.size()).isEqualTo(3);
    assertThat(e.path("name").asText()).isEqualTo("data.bin");
    assertThat(e.path("type").asText()).isEqualTo("file");
    assertThat(e.path("path").asText()).isEqualTo("/home/user/dir/data.bin");
    assertThat(Files.readAllBytes(rt.root.resolve("home/user/dir/data.bin"))).isEqualTo(content);

    HttpResponse<byte[]> down = rt.getBytes(rt.envdUrl("/files?path=dir/data.bin"));
    assertThat(down.statusCode()).isEqualTo(200);
    assertThat(down.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    assertThat(down.headers().firstValue("Content-Length")).hasValue("200000");
    assertThat(down.body()).isEqualTo(content);
  }

  @Test
  void multipartWithoutPathUsesPartFilename() throws Exception {
    HttpResponse<String> up =
        rt.post(
            rt.envdUrl("/files"),
            "multipart/form-data; boundary=b1",
            multipart("b1", "/tmp/from-name.txt", "x".getBytes()));
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(Files.readString(rt.root.resolve("tmp/from-name.txt"))).isEqualTo("x");
  }

  @Test
  void octetStreamAndGzipUploads() throws Exception {
    HttpResponse<String> up =
        rt.post(
            rt.envdUrl("/files?path=/home/user/raw.txt"),
            "application/octet-stream",
            "raw body".getBytes());
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(Files.readString(rt.root.resolve("home/user/raw.txt"))).isEqualTo("raw body");

    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
      g.write("zipped".getBytes());
    }
    var req =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(rt.envdUrl("/files?path=/home/user/z.txt")))
            .header("Content-Type", "application/octet-stream")
            .header("Content-Encoding", "gzip")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray()))
            .build();
    HttpResponse<String> r = rt.http.send(req, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Files.readString(rt.root.resolve("home/user/z.txt"))).isEqualTo("zipped");
  }

  HttpResponse<String> upload(String path, String body, java.util.Map<String, String> headers)
      throws Exception {
    var b =
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(rt.envdUrl("/files?path=" + path)))
            .header("Content-Type", "application/octet-stream")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return rt.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metadataHeadersAreKeptAsXattrsAndClearedByAnOverwrite() throws Exception {
    HttpResponse<String> r =
        upload("/home/user/meta.txt", "1", java.util.Map.of("X-Metadata-Owner", "alice"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestRuntime.JSON.readTree(r.body()).get(0).path("metadata").path("owner").asText())
        .isEqualTo("alice");
    var view =
        Files.getFileAttributeView(
            rt.root.resolve("home/user/meta.txt"),
            java.nio.file.attribute.UserDefinedFileAttributeView.class);
    assertThat(view.list()).contains("e2b.owner"); // user.e2b.owner, as envd stores it

    r = upload("/home/user/meta.txt", "2", java.util.Map.of());
    assertThat(TestRuntime.JSON.readTree(r.body()).get(0).has("metadata")).isFalse();
    assertThat(view.list()).doesNotContain("e2b.owner");

    r = upload("/home/user/meta.txt", "3", java.util.Map.of("X-Metadata-big", "v".repeat(5000)));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(Files.readString(rt.root.resolve("home/user/meta.txt"))).isEqualTo("2");
  }

  @Test
  void anUploadWritesTheFileInPlaceWithoutATemporaryNameInItsDirectory() throws Exception {
    Path dir = rt.root.resolve("home/user/inplace");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("f.txt"), "old");
    Object inode = Files.readAttributes(dir.resolve("f.txt"), "unix:ino").get("ino");
    try (java.nio.file.WatchService ws = dir.getFileSystem().newWatchService()) {
      dir.register(
          ws,
          java.nio.file.StandardWatchEventKinds.ENTRY_CREATE,
          java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY);
      assertThat(upload("/home/user/inplace/f.txt", "new", java.util.Map.of()).statusCode())
          .isEqualTo(200);
      java.nio.file.WatchKey key = ws.take();
      for (var ev : key.pollEvents()) {
        assertThat(ev.context().toString()).isEqualTo("f.txt");
      }
    }
    assertThat(Files.readString(dir.resolve("f.txt"))).isEqualTo("new");
    assertThat(Files.readAttributes(dir.resolve("f.txt"), "unix:ino").get("ino")).isEqualTo(inode);
    try (var list = Files.list(dir)) {
      assertThat(list.map(p -> p.getFileName().toString())).containsExactly("f.txt");
    }
  }

  @Test
  void procFilesDownloadWithTheirContent() throws Exception {
    HttpResponse<String> r = rt.get(rt.envdUrl("/files?path=/proc/sys/kernel/random/boot_id"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().trim()).matches("[0-9a-f-]{36}");
    r = rt.post(rt.envdUrl("/files?path=/proc/x"), "application/octet-stream", "x".getBytes());
    assertThat(r.statusCode()).isEqualTo(403);
  }

  @Test
  void emptyFileDownloadsWithZeroLength() throws Exception {
    Files.writeString(rt.root.resolve("home/user/empty"), "");
    HttpResponse<byte[]> down = rt.getBytes(rt.envdUrl("/files?path=/home/user/empty"));
    assertThat(down.statusCode()).isEqualTo(200);
    assertThat(down.headers().firstValue("Content-Length")).hasValue("0");
  }

  @Test
  void errorsAreJsonWithPreciseStatus() throws Exception {
    HttpResponse<String> r = rt.get(rt.envdUrl("/files?path=/home/user/missing.txt"));
    assertThat(r.statusCode()).isEqualTo(404);
    JsonNode body = TestRuntime.JSON.readTree(r.body());
    assertThat(body.path("code").asInt()).isEqualTo(404);
    assertThat(body.path("message").asText()).contains("/home/user/missing.txt");

    r = rt.get(rt.envdUrl("/files?path=/home/user"));
    assertThat(r.statusCode()).isEqualTo(400);

    r = rt.get(rt.envdUrl("/files?path=/../../etc/passwd"));
    assertThat(r.statusCode()).isEqualTo(403);

    r = rt.post(rt.envdUrl("/files"), "application/octet-stream", "x".getBytes());
    assertThat(r.statusCode()).isEqualTo(400);
  }

  @Test
  void uploadsOverTheCapAreRejectedAndLeaveNoFile() throws Exception {
    byte[] big = new byte[(1 << 20) + 10];
    HttpResponse<String> r;
    try {
      r = rt.post(rt.envdUrl("/files?path=/home/user/big.bin"), "application/octet-stream", big);
      assertThat(r.statusCode()).isEqualTo(413);
      assertThat(TestRuntime.JSON.readTree(r.body()).path("code").asInt()).isEqualTo(413);
    } catch (java.io.IOException e) {
      // The server may close the connection before the client finished sending: also a refusal.
    }
    try (var files = Files.list(rt.root.resolve("home/user"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith("big.bin") || n.startsWith(".big.bin"));
    }
    // The runtime still serves.
    assertThat(rt.get(rt.envdUrl("/health")).statusCode()).isEqualTo(204);
  }
}
