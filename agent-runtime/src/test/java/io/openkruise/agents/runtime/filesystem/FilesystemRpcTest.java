package io.openkruise.agents.runtime.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.runtime.TestRuntime;
import io.openkruise.agents.runtime.TestRuntime.Frame;
import io.openkruise.agents.runtime.TestRuntime.Response;
import io.openkruise.agents.runtime.TestRuntime.Stream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** filesystem.Filesystem over real sockets. */
@io.openkruise.agents.testing.tier.UnitTier
class FilesystemRpcTest {
  @TempDir Path scratch;

  @RegisterExtension static final TestRuntime rt = TestRuntime.perClass(b -> {});

  /** {@code r} is a Connect error with HTTP status {@code status} and code {@code code}. */
  static void assertConnectError(Response r, int status, String code) {
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.body().path("code").asText()).isEqualTo(code);
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
    assertConnectError(r, 409, "already_exists");

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
    for (String m : List.of("Stat", "ListDir")) {
      Response r = call(m, "{\"path\":\"/nope/nothing\"}");
      assertThat(r.status()).as(m).isEqualTo(404);
      assertThat(r.body().path("code").asText()).isEqualTo("not_found");
      assertThat(r.body().path("message").asText()).contains("/nope/nothing");
    }
    Response r = call("Move", "{\"source\":\"/nope\",\"destination\":\"/x\"}");
    assertThat(r.status()).isEqualTo(404);
  }

  @Test
  void removeOfAMissingPathSucceedsAsInEnvd() throws Exception {
    assertThat(call("Remove", "{\"path\":\"/home/user/never/there\"}").status()).isEqualTo(200);
  }

  @Test
  void entriesCarryPermissionBitsOwnerAndSymlinkTargetAsEnvd() throws Exception {
    Path dir = rt.root.resolve("home/user/entries");
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(dir.resolve("f.txt"), "hello");
    Files.setPosixFilePermissions(
        dir.resolve("f.txt"), PosixFilePermissions.fromString("rw-r-----"));
    Files.createSymbolicLink(dir.resolve("link"), Path.of("f.txt"));

    JsonNode d = call("Stat", "{\"path\":\"entries\"}").body().path("entry");
    assertThat(d.path("mode").asLong()).isEqualTo(0755); // no Go directory bit
    assertThat(d.path("permissions").asText()).isEqualTo("drwxr-xr-x");
    assertThat(d.path("owner").asText()).isEqualTo("user"); // simulated: the template's user
    assertThat(d.path("group").asText()).isEqualTo("user");

    JsonNode f = call("Stat", "{\"path\":\"entries/f.txt\"}").body().path("entry");
    assertThat(f.path("mode").asLong()).isEqualTo(0640);
    assertThat(f.path("permissions").asText()).isEqualTo("-rw-r-----");
    assertThat(f.has("symlinkTarget")).isFalse();

    JsonNode l = call("Stat", "{\"path\":\"/home/user/entries/link\"}").body().path("entry");
    assertThat(l.path("type").asText()).isEqualTo("FILE_TYPE_FILE"); // the target's type
    assertThat(l.path("mode").asLong()).isEqualTo(0640);
    assertThat(l.path("permissions").asText()).startsWith("L");
    assertThat(l.path("symlinkTarget").asText()).isEqualTo("/home/user/entries/f.txt");
    assertThat(l.path("path").asText()).isEqualTo("/home/user/entries/link");
  }

  @Test
  void makeDirOverAFileIsInvalidArgumentAndParentsAreCreated() throws Exception {
    Files.writeString(rt.root.resolve("home/user/plain"), "x");
    Response r = call("MakeDir", "{\"path\":\"/home/user/plain\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().path("message").asText()).contains("not a directory");
    r = call("Move", "{\"source\":\"plain\",\"destination\":\"new/parents/plain\"}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(Files.exists(rt.root.resolve("home/user/new/parents/plain"))).isTrue();
  }

  @Test
  void procIsTheHostsAndReadOnlyInTheSimulatedNode() throws Exception {
    Response r = call("Stat", "{\"path\":\"/proc/sys/kernel/random/boot_id\"}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().path("entry").path("path").asText())
        .isEqualTo("/proc/sys/kernel/random/boot_id");
    assertThat(call("Remove", "{\"path\":\"/proc/self/environ\"}").status()).isEqualTo(403);
    assertThat(call("MakeDir", "{\"path\":\"/proc/x\"}").status()).isEqualTo(403);
  }

  @Test
  @Timeout(120) // a hang guard: events that never come would block the stream read
  void watchReportsChmodRenameAndNewSubdirectories() throws Exception {
    Path dir = rt.root.resolve("home/user/typed");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("old.txt"), "x");
    Files.writeString(dir.resolve("f.txt"), "f");
    try (Stream s =
        rt.stream(
            "filesystem.Filesystem/WatchDir",
            "{\"path\":\"typed\",\"recursive\":true,\"includeEntry\":true}",
            Map.of())) {
      assertThat(s.next().message().has("start")).isTrue();
      Files.setPosixFilePermissions(
          dir.resolve("f.txt"), PosixFilePermissions.fromString("rw-------"));
      Files.move(dir.resolve("old.txt"), dir.resolve("new.txt"));
      Files.createDirectory(dir.resolve("sub"));
      Files.writeString(dir.resolve("sub/deep.txt"), "d");
      List<String> seen = new ArrayList<>();
      List<String> want =
          List.of(
              "f.txt EVENT_TYPE_CHMOD",
              "old.txt EVENT_TYPE_RENAME",
              "new.txt EVENT_TYPE_CREATE",
              "sub EVENT_TYPE_CREATE");
      while (!seen.containsAll(want)
          // WRITE whether the file's content came before or after the new directory's watch.
          || !seen.contains("sub/deep.txt EVENT_TYPE_WRITE")) {
        JsonNode fs = s.next().message().path("filesystem");
        if (fs.isMissingNode()) {
          continue;
        }
        seen.add(fs.path("name").asText() + " " + fs.path("type").asText());
        if (fs.path("type").asText().equals("EVENT_TYPE_RENAME")) {
          assertThat(fs.has("entry")).as("a rename carries no entry").isFalse();
        }
      }
      assertThat(seen).doesNotContain("old.txt EVENT_TYPE_REMOVE", "f.txt EVENT_TYPE_WRITE");
    }
  }

  @Test
  void traversalOutOfTheRootIsDenied() throws Exception {
    Response r = call("Stat", "{\"path\":\"/../../etc/passwd\"}");
    assertConnectError(r, 403, "permission_denied");
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
    assertConnectError(r, 400, "invalid_argument");
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
