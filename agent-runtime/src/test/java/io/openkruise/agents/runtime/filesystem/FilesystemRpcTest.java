package io.openkruise.agents.runtime.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.runtime.TestRuntime;
import io.openkruise.agents.runtime.TestRuntime.Frame;
import io.openkruise.agents.runtime.TestRuntime.Response;
import io.openkruise.agents.runtime.TestRuntime.Stream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** filesystem.Filesystem over real sockets. */
@io.openkruise.agents.testing.tier.UnitTier
class FilesystemRpcTest {
  @TempDir Path scratch;

  static TestRuntime rt;

  @BeforeAll
  static void start() throws Exception {
    rt = TestRuntime.start(false);
  }

  @AfterAll
  static void stop() throws Exception {
    rt.close();
  }

  Response call(String method, String json) throws Exception {
    return rt.unary("filesystem.Filesystem/" + method, json);
  }

  @Test
  void makeDirStatMoveListRemove() throws Exception {
    Response r = call("MakeDir", "{\"path\":\"/home/user/proj/src\"}");
    assertThat(r.status()).isEqualTo(200);
    JsonNode entry = r.body().path("entry");
    assertThat(entry.path("name").asText()).isEqualTo("src");
    assertThat(entry.path("type").asText()).isEqualTo("FILE_TYPE_DIRECTORY");
    assertThat(entry.path("path").asText()).isEqualTo("/home/user/proj/src");
    assertThat(Files.isDirectory(rt.root.resolve("home/user/proj/src"))).isTrue();

    r = call("MakeDir", "{\"path\":\"proj/src\"}");
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.body().path("code").asText()).isEqualTo("already_exists");

    Files.writeString(rt.root.resolve("home/user/proj/src/a.txt"), "hello");
    r = call("Stat", "{\"path\":\"/home/user/proj/src/a.txt\"}");
    assertThat(r.status()).isEqualTo(200);
    entry = r.body().path("entry");
    assertThat(entry.path("type").asText()).isEqualTo("FILE_TYPE_FILE");
    assertThat(entry.path("size").asLong()).isEqualTo(5);
    assertThat(entry.path("permissions").asText()).matches("-[rwx-]{9}");
    assertThat(entry.path("modifiedTime").asText()).endsWith("Z");

    r = call("Move", "{\"source\":\"proj/src/a.txt\",\"destination\":\"/home/user/proj/b.txt\"}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().path("entry").path("path").asText()).isEqualTo("/home/user/proj/b.txt");
    assertThat(Files.readString(rt.root.resolve("home/user/proj/b.txt"))).isEqualTo("hello");

    r = call("ListDir", "{\"path\":\"/home/user/proj\"}");
    assertThat(r.body().path("entries").findValuesAsText("path"))
        .containsExactly("/home/user/proj/b.txt", "/home/user/proj/src");
    Files.writeString(rt.root.resolve("home/user/proj/src/c.txt"), "c");
    r = call("ListDir", "{\"path\":\"/home/user/proj\",\"depth\":2}");
    assertThat(r.body().path("entries").findValuesAsText("path"))
        .containsExactly(
            "/home/user/proj/b.txt", "/home/user/proj/src", "/home/user/proj/src/c.txt");

    r = call("Remove", "{\"path\":\"/home/user/proj\"}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(Files.exists(rt.root.resolve("home/user/proj"))).isFalse();
  }

  @Test
  void missingPathsAreNotFound() throws Exception {
    for (String m : List.of("Stat", "Remove", "ListDir")) {
      Response r = call(m, "{\"path\":\"/nope/nothing\"}");
      assertThat(r.status()).as(m).isEqualTo(404);
      assertThat(r.body().path("code").asText()).isEqualTo("not_found");
      assertThat(r.body().path("message").asText()).contains("/nope/nothing");
    }
    Response r = call("Move", "{\"source\":\"/nope\",\"destination\":\"/x\"}");
    assertThat(r.status()).isEqualTo(404);
  }

  @Test
  void traversalOutOfTheRootIsDenied() throws Exception {
    Response r = call("Stat", "{\"path\":\"/../../etc/passwd\"}");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.body().path("code").asText()).isEqualTo("permission_denied");
    // A symlink planted inside the sandbox must not lead outside it.
    Path outside = Files.createTempDirectory(scratch, "outside");
    Files.writeString(outside.resolve("secret"), "s");
    Files.createSymbolicLink(rt.root.resolve("home/user/escape"), outside);
    r = call("Stat", "{\"path\":\"/home/user/escape/secret\"}");
    assertThat(r.status()).isEqualTo(403);
    r = call("ListDir", "{\"path\":\"/home/user/escape\"}");
    assertThat(r.status()).isEqualTo(403);
    Files.delete(rt.root.resolve("home/user/escape"));
  }

  @Test
  void listDirOnAFileIsInvalidArgument() throws Exception {
    Files.writeString(rt.root.resolve("home/user/f.txt"), "x");
    Response r = call("ListDir", "{\"path\":\"/home/user/f.txt\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().path("code").asText()).isEqualTo("invalid_argument");
  }

  @Test
  void watchDirStreamsEvents() throws Exception {
    Files.createDirectories(rt.root.resolve("home/user/watched"));
    try (Stream s =
        rt.stream(
            "filesystem.Filesystem/WatchDir",
            "{\"path\":\"/home/user/watched\",\"includeEntry\":true}",
            Map.of())) {
      Frame first = s.next();
      assertThat(first.message().has("start")).isTrue();
      Files.writeString(rt.root.resolve("home/user/watched/new.txt"), "data");
      Frame ev = s.next();
      JsonNode fs = ev.message().path("filesystem");
      assertThat(fs.path("name").asText()).isEqualTo("new.txt");
      assertThat(fs.path("type").asText()).isEqualTo("EVENT_TYPE_CREATE");
      assertThat(fs.path("entry").path("path").asText()).isEqualTo("/home/user/watched/new.txt");
    }
  }

  @Test
  void pollingWatcherCollectsEvents() throws Exception {
    Files.createDirectories(rt.root.resolve("home/user/polled/sub"));
    Response r = call("CreateWatcher", "{\"path\":\"/home/user/polled\",\"recursive\":true}");
    assertThat(r.status()).isEqualTo(200);
    String id = r.body().path("watcherId").asText();
    Files.writeString(rt.root.resolve("home/user/polled/sub/x.txt"), "x");
    Files.delete(rt.root.resolve("home/user/polled/sub/x.txt"));
    List<String> seen = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 5000;
    while (!seen.contains("EVENT_TYPE_REMOVE") && System.currentTimeMillis() < deadline) {
      r = call("GetWatcherEvents", "{\"watcherId\":\"" + id + "\"}");
      assertThat(r.status()).isEqualTo(200);
      for (JsonNode e : r.body().path("events")) {
        assertThat(e.path("name").asText()).isEqualTo("sub/x.txt");
        seen.add(e.path("type").asText());
      }
      Thread.sleep(50);
    }
    assertThat(seen).contains("EVENT_TYPE_CREATE", "EVENT_TYPE_REMOVE");
    assertThat(call("RemoveWatcher", "{\"watcherId\":\"" + id + "\"}").status()).isEqualTo(200);
    r = call("GetWatcherEvents", "{\"watcherId\":\"" + id + "\"}");
    assertThat(r.status()).isEqualTo(404);
  }

  @Test
  void watchingAMissingDirectoryFails() throws Exception {
    try (Stream s = rt.stream("filesystem.Filesystem/WatchDir", "{\"path\":\"/nope\"}", Map.of())) {
      Frame f = s.next();
      assertThat(f.end()).isTrue();
      assertThat(f.message().path("error").path("code").asText()).isEqualTo("not_found");
    }
  }
}
