package io.openkruise.agents.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.Orphans;
import io.openkruise.agents.runtime.TestRuntime;
import io.openkruise.agents.runtime.TestRuntime.Frame;
import io.openkruise.agents.runtime.TestRuntime.Stream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** process.Process over real sockets: Start, Connect, List, SendInput, CloseStdin, SendSignal. */
@io.openkruise.agents.testing.tier.UnitTier
class ProcessRpcTest {
  @RegisterExtension static final TestRuntime rt = TestRuntime.perClass(b -> {});

  /** Sends SIGKILL to process {@code pid}. */
  static TestRuntime.Response sigkill(long pid) throws Exception {
    return rt.unary(
        "process.Process/SendSignal",
        "{\"process\":{\"pid\":" + pid + "},\"signal\":\"SIGNAL_SIGKILL\"}");
  }

  /**
   * A {@code process.Process/Start} request for {@code script} in a plain (non-login) bash; the
   * caller adds fields to it or to {@link #processOf} before {@link #start}.
   */
  static ObjectNode bashStart(String script) {
    ObjectNode req = TestRuntime.obj();
    ObjectNode process = req.putObject("process");
    process.put("cmd", "/bin/bash");
    process.putArray("args").add("-c").add(script);
    return req;
  }

  /** The {@code process} field of a {@link #bashStart} request. */
  static ObjectNode processOf(ObjectNode req) {
    return (ObjectNode) req.get("process");
  }

  static Stream start(ObjectNode req) throws Exception {
    return rt.stream("process.Process/Start", req.toString(), Map.of());
  }

  /** Sends {@code base64} to the stdin of process {@code pid}. */
  static TestRuntime.Response sendStdin(long pid, String base64) throws Exception {
    return rt.unary(
        "process.Process/SendInput",
        "{\"process\":{\"pid\":" + pid + "},\"input\":{\"stdin\":\"" + base64 + "\"}}");
  }

  /** The pid in the stream's first event (start). */
  static long startedPid(Stream s) throws Exception {
    return s.next().message().path("event").path("start").path("pid").asLong();
  }

  static String decode(JsonNode data, String field) {
    return new String(Base64.getDecoder().decode(data.get(field).asText()), StandardCharsets.UTF_8);
  }

  /** Concatenated output of one stream kind in the given frames. */
  static String output(List<Frame> frames, String kind) {
    StringBuilder sb = new StringBuilder();
    for (Frame f : frames) {
      JsonNode data = f.message().path("event").path("data");
      if (data.has(kind)) {
        sb.append(decode(data, kind));
      }
    }
    return sb.toString();
  }

  static JsonNode endEvent(List<Frame> frames) {
    return frames.get(frames.size() - 2).message().path("event").path("end");
  }

  @Test
  void streamsOutputAsItHappensInSeparateEvents() throws Exception {
    try (Stream s = rt.startProcess("echo hello; sleep 1; echo world", Map.of())) {
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.contentType()).startsWith("application/connect+json");
      Frame first = s.next();
      assertThat(first.message().path("event").path("start").path("pid").asLong()).isPositive();
      List<Frame> rest = s.rest();
      List<String> stdoutEvents = new ArrayList<>();
      for (Frame f : rest) {
        JsonNode data = f.message().path("event").path("data");
        if (data.has("stdout")) {
          stdoutEvents.add(decode(data, "stdout"));
        }
      }
      assertThat(stdoutEvents).containsExactly("hello\n", "world\n");
      JsonNode end = endEvent(rest);
      assertThat(end.path("exitCode").asInt()).isZero();
      assertThat(end.path("exited").asBoolean()).isTrue();
      assertThat(end.path("status").asText()).isEqualTo("exit status 0");
      Frame last = rest.get(rest.size() - 1);
      assertThat(last.end()).isTrue();
      assertThat(last.message().size()).isZero();
    }
  }

  @Test
  void reportsStderrAndNonZeroExit() throws Exception {
    try (Stream s = rt.startProcess("echo out; echo err 1>&2; exit 3", Map.of())) {
      List<Frame> frames = s.rest();
      assertThat(output(frames, "stdout")).isEqualTo("out\n");
      assertThat(output(frames, "stderr")).isEqualTo("err\n");
      JsonNode end = endEvent(frames);
      assertThat(end.path("exitCode").asInt()).isEqualTo(3);
      assertThat(end.path("error").asText()).isEqualTo("exit status 3");
    }
  }

  @Test
  void appliesEnvCwdAndMapsHome() throws Exception {
    Files.createDirectories(rt.root.resolve("home/user/work"));
    ObjectNode req = bashStart("echo $FOO; pwd; echo $HOME");
    processOf(req).put("cwd", "/home/user/work").putObject("envs").put("FOO", "bar");
    try (Stream s = start(req)) {
      String out = output(s.rest(), "stdout");
      assertThat(out.split("\n"))
          .containsExactly(
              "bar",
              rt.root.resolve("home/user/work").toRealPath().toString(),
              rt.root.resolve("home/user").toString());
    }
  }

  @Test
  void stdinInputAndCloseStdin() throws Exception {
    ObjectNode req =
        bashStart("read line; echo got:$line; cat").put("stdin", true).put("tag", "reader");
    try (Stream s = start(req)) {
      long pid = startedPid(s);
      String input = Base64.getEncoder().encodeToString("hi\nmore\n".getBytes());
      TestRuntime.Response r = sendStdin(pid, input);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body().size()).isZero();
      r = rt.unary("process.Process/CloseStdin", "{\"process\":{\"tag\":\"reader\"}}");
      assertThat(r.status()).isEqualTo(200);
      List<Frame> frames = s.rest();
      assertThat(output(frames, "stdout")).isEqualTo("got:hi\nmore\n");
      assertThat(endEvent(frames).path("exitCode").asInt()).isZero();
    }
  }

  @Test
  void sendInputWithoutStdinIsFailedPrecondition() throws Exception {
    try (Stream s = rt.startProcess("sleep 2", Map.of())) {
      long pid = startedPid(s);
      TestRuntime.Response r = sendStdin(pid, "aGk=");
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body().path("code").asText()).isEqualTo("failed_precondition");
      sigkill(pid);
      s.rest();
    }
  }

  @Test
  void sigkillEndsTheWholeProcessGroupAndConnectListAndKeepaliveWork() throws Exception {
    try (Stream s =
        rt.startProcess(
            "sleep 300 & echo child:$!; sleep 300", Map.of("Keepalive-Ping-Interval", "1"))) {
      long pid = startedPid(s);
      Frame data = s.next();
      String childLine = decode(data.message().path("event").path("data"), "stdout");
      assertThat(childLine).startsWith("child:");

      TestRuntime.Response list = rt.unary("process.Process/List", "{}");
      assertThat(list.status()).isEqualTo(200);
      assertThat(list.body().path("processes").findValuesAsText("pid")).contains("" + pid);

      // A second client attaches to the running process.
      try (Stream attached =
          rt.stream(
              "process.Process/Connect",
              "{\"process\":{\"pid\":" + pid + "}}",
              Map.of("Keepalive-Ping-Interval", "1"))) {
        assertThat(attached.next().message().path("event").path("start").path("pid").asLong())
            .isEqualTo(pid);
        // Idle: a keepalive arrives on the original stream.
        Frame ka = s.next();
        assertThat(ka.message().path("event").has("keepalive")).isTrue();

        TestRuntime.Response sig = sigkill(pid);
        assertThat(sig.status()).isEqualTo(200);
        List<Frame> rest = s.rest();
        JsonNode end = endEvent(rest);
        assertThat(end.path("exitCode").asInt()).isEqualTo(-1);
        assertThat(end.path("status").asText()).isEqualTo("signal: killed");
        List<Frame> attachedRest = attached.rest();
        assertThat(endEvent(attachedRest).path("status").asText()).isEqualTo("signal: killed");
      }
      assertThat(Orphans.awaitGone(pid, 5000)).isEmpty();
    }
  }

  @Test
  void connectTimeoutKillsTheProcess() throws Exception {
    try (Stream s = rt.startProcess("sleep 300", Map.of("Connect-Timeout-Ms", "500"))) {
      long pid = startedPid(s);
      List<Frame> rest = s.rest();
      assertThat(endEvent(rest).path("status").asText()).isEqualTo("signal: killed");
      assertThat(Orphans.awaitGone(pid, 5000)).isEmpty();
    }
  }

  @Test
  void unknownProcessIsNotFound() throws Exception {
    TestRuntime.Response r = sigkill(999999999);
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.body().path("code").asText()).isEqualTo("not_found");
    try (Stream s =
        rt.stream("process.Process/Connect", "{\"process\":{\"tag\":\"nope\"}}", Map.of())) {
      assertThat(s.status()).isEqualTo(200);
      Frame f = s.next();
      assertThat(f.end()).isTrue();
      assertThat(f.message().path("error").path("code").asText()).isEqualTo("not_found");
    }
  }

  @Test
  void malformedEnvelopeEndsStreamWithInvalidArgument() throws Exception {
    byte[] truncated = {0, 0, 0, 0, 50, '{', '}'};
    try (Stream s = rt.streamRaw("process.Process/Start", truncated, Map.of())) {
      assertThat(s.status()).isEqualTo(200);
      Frame f = s.next();
      assertThat(f.end()).isTrue();
      assertThat(f.message().path("error").path("code").asText()).isEqualTo("invalid_argument");
    }
    try (Stream s = rt.stream("process.Process/Start", "{\"process\":{\"cmd\":\"\"}}", Map.of())) {
      Frame f = s.next();
      assertThat(f.end()).isTrue();
      assertThat(f.message().path("error").path("code").asText()).isEqualTo("invalid_argument");
    }
    try (Stream s = rt.stream("process.Process/Start", "not json", Map.of())) {
      assertThat(s.next().message().path("error").path("code").asText())
          .isEqualTo("invalid_argument");
    }
  }

  @Test
  void startFailureIsReportedNotCrashed() throws Exception {
    String req = "{\"process\":{\"cmd\":\"/definitely/not/here\"}}";
    try (Stream s = rt.stream("process.Process/Start", req, Map.of())) {
      Frame f = s.next();
      assertThat(f.end()).isTrue();
      assertThat(f.message().path("error").path("code").asText()).isEqualTo("invalid_argument");
    }
  }

  @Test
  void unknownMethodIsUnimplementedAndWrongCodecIs415() throws Exception {
    TestRuntime.Response r = rt.unary("process.Process/Nope", "{}");
    assertThat(r.status()).isEqualTo(501);
    assertThat(r.body().path("code").asText()).isEqualTo("unimplemented");
    var resp = rt.post(rt.envdUrl("/process.Process/List"), "application/proto", new byte[] {0});
    assertThat(resp.statusCode()).isEqualTo(415);
    r = rt.unary("process.Process/List", "[1,2]");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().path("code").asText()).isEqualTo("invalid_argument");
  }

  @Test
  void ptyProcessGetsATerminalAndResizeIsAccepted() throws Exception {
    ObjectNode req = bashStart("tty; stty size");
    req.putObject("pty").putObject("size").put("cols", 100).put("rows", 30);
    try (Stream s = start(req)) {
      List<Frame> frames = s.rest();
      String out = output(frames, "pty");
      assertThat(out).contains("/dev/pts/").contains("30 100");
    }
  }
}
