package io.openkruise.agents.runtime.csi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.envd.csi.NodePublishRequest;
import io.openkruise.agents.runtime.TestRuntime;
import io.openkruise.agents.runtime.TestRuntime.Frame;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CSI mount helper, run the way sandbox-manager runs it: through process.Process/Start. */
@io.openkruise.agents.testing.tier.UnitTier
class CsiMountTest {
  @TempDir static Path scratch;

  static final String DRIVER = "nasplugin.csi.alibabacloud.com";
  static Vertx vertx;
  static Path volumes;
  static TestRuntime a;
  static TestRuntime b;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    volumes = Files.createTempDirectory(scratch, "volumes");
    a = TestRuntime.start(vertx, false, o -> o.volumesDir(volumes));
    b = TestRuntime.start(vertx, false, o -> o.volumesDir(volumes));
  }

  @AfterAll
  static void stop() throws Exception {
    a.close();
    b.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  /** The helper's {@code --config}: an NFS volume's request, encoded as the manager encodes it. */
  static String request(String volumeId, String target, boolean readonly) {
    return new NodePublishRequest(
            volumeId,
            Map.of(),
            null,
            target,
            "nfs",
            List.of("vers=3"),
            NodePublishRequest.MULTI_NODE_MULTI_WRITER,
            readonly,
            Map.of(),
            Map.of("server", "nas.example"))
        .base64();
  }

  record Run(int exitCode, String stdout, String stderr) {}

  static Run mount(TestRuntime rt, String driver, String config) throws Exception {
    String req =
        TestRuntime.JSON
            .createObjectNode()
            .set(
                "process",
                TestRuntime.JSON
                    .createObjectNode()
                    .put("cmd", "/mnt/envd/sandbox-runtime-storage")
                    .set(
                        "args",
                        TestRuntime.JSON.valueToTree(
                            List.of("mount", "--driver", driver, "--config", config))))
            .toString();
    try (var s = rt.stream("process.Process/Start", req, Map.of())) {
      List<Frame> frames = s.rest();
      StringBuilder out = new StringBuilder();
      StringBuilder err = new StringBuilder();
      int code = 0;
      for (Frame f : frames) {
        JsonNode ev = f.message().path("event");
        if (ev.path("data").has("stdout")) {
          out.append(
              new String(Base64.getDecoder().decode(ev.path("data").get("stdout").asText())));
        }
        if (ev.path("data").has("stderr")) {
          err.append(
              new String(Base64.getDecoder().decode(ev.path("data").get("stderr").asText())));
        }
        if (ev.has("end")) {
          code = ev.path("end").path("exitCode").asInt();
        }
      }
      return new Run(code, out.toString(), err.toString());
    }
  }

  @Test
  void decodesTheRequest() {
    NodePublishRequest r = NodePublishRequest.fromBase64(request("pv-1-abc123", "/mnt/x", true));
    assertThat(r.volumeId()).isEqualTo("pv-1-abc123");
    assertThat(r.targetPath()).isEqualTo("/mnt/x");
    assertThat(r.fsType()).isEqualTo("nfs");
    assertThat(r.mountFlags()).containsExactly("vers=3");
    assertThat(r.accessMode()).isEqualTo(5);
    assertThat(r.readonly()).isTrue();
    assertThat(r.volumeContext()).containsEntry("server", "nas.example");
  }

  @Test
  void twoSandboxesMountingOneVolumeShareFiles() throws Exception {
    Run ra = mount(a, DRIVER, request("shared-pv-abc123", "/mnt/data", false));
    assertThat(ra.exitCode()).as(ra.stderr()).isZero();
    assertThat(ra.stdout()).contains("mounted volume shared-pv");
    Run rb = mount(b, DRIVER, request("shared-pv-zz9x8y", "/mnt/data", false));
    assertThat(rb.exitCode()).as(rb.stderr()).isZero();

    var up =
        a.post(
            a.envdUrl("/files?path=/mnt/data/hello.txt"),
            "application/octet-stream",
            "shared".getBytes());
    assertThat(up.statusCode()).isEqualTo(200);
    var down = b.get(b.envdUrl("/files?path=/mnt/data/hello.txt"));
    assertThat(down.statusCode()).isEqualTo(200);
    assertThat(down.body()).isEqualTo("shared");
    // Listing works through the mount; a repeated mount of the same volume is a no-op.
    assertThat(
            b.unary("filesystem.Filesystem/ListDir", "{\"path\":\"/mnt/data\"}")
                .body()
                .path("entries")
                .findValuesAsText("name"))
        .containsExactly("hello.txt");
    assertThat(mount(a, DRIVER, request("shared-pv-abc123", "/mnt/data", false)).exitCode())
        .isZero();
  }

  @Test
  void badRequestsFailWithClearErrors() throws Exception {
    Run r = mount(a, DRIVER, "%%%not-base64");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr()).contains("cannot decode");

    r = mount(a, "unknown.csi.example.com", request("pv-abc123", "/mnt/u", false));
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stderr()).contains("unknown CSI driver unknown.csi.example.com");

    r = mount(a, DRIVER, request("pv-abc123", "/mnt/../etc", false));
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.stderr()).contains("clean");

    r = mount(a, DRIVER, request("pv-abc123", "relative/path", false));
    assertThat(r.exitCode()).isEqualTo(4);

    Files.createDirectories(a.root.resolve("mnt/busy"));
    Files.writeString(a.root.resolve("mnt/busy/file"), "x");
    r = mount(a, DRIVER, request("pv-abc123", "/mnt/busy", false));
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.stderr()).contains("not an empty directory");

    r = mount(a, DRIVER, request("../evil", "/mnt/e", false));
    assertThat(r.exitCode()).isEqualTo(2);

    String req =
        "{\"process\":{\"cmd\":\"sandbox-runtime-storage\",\"args\":[\"mount\",\"--driver\"]}}";
    try (var s = a.stream("process.Process/Start", req, Map.of())) {
      List<Frame> frames = s.rest();
      assertThat(
              frames
                  .get(frames.size() - 2)
                  .message()
                  .path("event")
                  .path("end")
                  .path("exitCode")
                  .asInt())
          .isEqualTo(2);
    }
  }
}
