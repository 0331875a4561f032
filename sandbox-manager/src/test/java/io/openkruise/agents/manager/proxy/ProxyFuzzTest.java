package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.support.ConfigProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile clients of the proxy in front of the real agent-runtime: malformed Connect envelopes
 * (truncated, bad lengths, unknown or forbidden flags), a frame larger than the runtime's 16 MiB
 * message limit streamed without end, slowly growing headers, and clients that stall mid-headers or
 * mid-body. Every one gets a clean answer (a Connect error from the runtime or a 4xx from the
 * proxy, never a proxy 5xx) or has its connection closed, and nothing is buffered without bound.
 * Raw sockets, so the bytes on the wire are exactly the attack's; a socket read timeout only keeps
 * a broken build from hanging, it is never the thing asserted.
 */
@QuarkusTest
@WithKubernetesTestServer
@TestProfile(ProxyFuzzTest.ShortIdle.class)
@io.openkruise.agents.testing.tier.MockTier
class ProxyFuzzTest {

  /**
   * A short idle limit on both sides of the proxy (the E2B listener and the backend connections),
   * so stalled clients are cut quickly here.
   */
  public static class ShortIdle extends ConfigProfile {
    public ShortIdle() {
      super(Map.of("kruise.proxy.idle-timeout", "3s", "quarkus.http.idle-timeout", "3s"));
    }
  }

  @RegisterExtension static final SecuredRuntime runtime = new SecuredRuntime();

  /** Far beyond any idle limit of the test profile: reaching it means nothing cut the client. */
  static final int SAFETY_NET_MS = 120_000;

  @Inject KubernetesClient client;
  @Inject SandboxTokens tokens;

  /** Before any socket opens: a socket idle while the sandbox is made would be cut. */
  @BeforeEach
  void sandboxReady() throws Exception {
    sandbox();
  }

  private SecuredRuntime.Shared shared() throws Exception {
    return runtime.shared(client, tokens, "fuzz");
  }

  private String sandbox() throws Exception {
    return shared().id();
  }

  private String head(String method, String path, String contentType, String framing)
      throws Exception {
    return method
        + " "
        + path
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nE2b-Sandbox-Id: "
        + sandbox()
        + "\r\nE2b-Sandbox-Port: 49983\r\nX-Access-Token: "
        + shared().token()
        + "\r\nConnect-Protocol-Version: 1\r\nContent-Type: "
        + contentType
        + "\r\n"
        + framing
        + "\r\n";
  }

  private static Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", RestAssured.port);
    s.setSoTimeout(SAFETY_NET_MS);
    return s;
  }

  /** A connection that has sent the head of a Process/Start with {@code framing}, no body yet. */
  private Socket startingAProcess(String framing) throws Exception {
    Socket s = connect();
    try {
      s.getOutputStream()
          .write(
              head("POST", "/process.Process/Start", "application/connect+json", framing)
                  .getBytes(StandardCharsets.ISO_8859_1));
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  /** An envelope whose header may declare a length other than its payload's. */
  private static byte[] envelope(int flags, int declaredLength, byte[] payload) {
    return ByteBuffer.allocate(ConnectEnvelope.HEADER_LENGTH + payload.length)
        .put(ConnectEnvelope.header(flags, declaredLength))
        .put(payload)
        .array();
  }

  /** What came back: the status (0 when the connection closed without one) and the bytes. */
  record Answer(int status, String text, boolean cutByServer) {}

  /** Reads until the server closes the connection or ends a response it declared the size of. */
  private static Answer read(Socket s) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        got.write(buf, 0, n);
        if (complete(got.toString(StandardCharsets.ISO_8859_1))) {
          break;
        }
      }
    } catch (SocketTimeoutException e) {
      return new Answer(status(got), got.toString(StandardCharsets.ISO_8859_1), false);
    } catch (IOException e) {
      // reset by the server: it cut the connection
    }
    return new Answer(status(got), got.toString(StandardCharsets.ISO_8859_1), true);
  }

  private static boolean complete(String text) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    String headers = text.substring(0, end).toLowerCase();
    int cl = headers.indexOf("content-length:");
    if (cl >= 0) {
      int eol = headers.indexOf("\r\n", cl);
      long len =
          Long.parseLong(headers.substring(cl + 15, eol < 0 ? headers.length() : eol).trim());
      return text.length() - end - 4 >= len;
    }
    return headers.contains("transfer-encoding: chunked") && text.endsWith("0\r\n\r\n");
  }

  private static int status(ByteArrayOutputStream got) {
    String t = got.toString(StandardCharsets.ISO_8859_1);
    return t.startsWith("HTTP/1.1 ") && t.length() >= 12 ? Integer.parseInt(t.substring(9, 12)) : 0;
  }

  private Answer send(String path, String contentType, byte[] body) throws Exception {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(
          head("POST", path, contentType, "Content-Length: " + body.length + "\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return read(s);
    }
  }

  @Test
  void malformedEnvelopesGetAConnectErrorFromTheRuntimeNeverAProxyError() throws Exception {
    byte[] json = "{\"process\":{\"cmd\":\"/bin/true\"}}".getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    bodies.put("empty body", new byte[0]);
    bodies.put("three header bytes", new byte[] {0, 0, 0});
    bodies.put("length beyond the body", envelope(0, 100, json));
    bodies.put("length short of the body", envelope(0, 3, json));
    bodies.put("length 2^32-1", envelope(0, -1, new byte[] {1, 2, 3}));
    bodies.put("length just over the limit", envelope(0, (16 << 20) + 1, json));
    bodies.put("compressed flag", envelope(ConnectEnvelope.FLAG_COMPRESSED, json.length, json));
    bodies.put("end-stream flag", envelope(ConnectEnvelope.FLAG_END_STREAM, json.length, json));
    byte[] two = envelope(0, json.length, json);
    bodies.put("two envelopes", ByteBuffer.allocate(2 * two.length).put(two).put(two).array());
    byte[] garbage = "not json".getBytes(StandardCharsets.UTF_8);
    bodies.put("payload not JSON", envelope(0, garbage.length, garbage));
    for (Map.Entry<String, byte[]> b : bodies.entrySet()) {
      Answer a = send("/process.Process/Start", "application/connect+json", b.getValue());
      assertThat(a.status()).as(b.getKey() + ": " + a.text()).isBetween(200, 499);
      assertThat(a.text())
          .as(b.getKey())
          .containsAnyOf(
              "invalid_argument", "resource_exhausted", "unimplemented", "\"code\"", "internal");
      assertThat(a.text()).as(b.getKey()).doesNotContain("\"code\":\"internal\"");
    }
    // Connect reserves the other flag bits; the runtime ignores them, as it should.
    Answer reserved =
        send(
            "/process.Process/Start",
            "application/connect+json",
            envelope(0x80, json.length, json));
    assertThat(reserved.status()).isEqualTo(200);
    assertThat(reserved.text()).contains("\"end\"");
    // The unary protocol on the same runtime: a body that is not a message.
    Answer unary = send("/filesystem.Filesystem/Stat", "application/json", new byte[] {'{'});
    assertThat(unary.status()).as(unary.text()).isBetween(400, 499);
  }

  @Test
  void aFrameBeyondTheRuntimeLimitIsRefusedWhileTheClientIsStillSending() throws Exception {
    byte[] chunk = new byte[1 << 20];
    long sent = 0;
    long cap = 256L << 20; // 16 times the runtime's message limit
    try (Socket s = startingAProcess("Transfer-Encoding: chunked\r\n")) {
      OutputStream out = s.getOutputStream();
      byte[] header = envelope(0, Integer.MAX_VALUE, new byte[0]);
      out.write(("5\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(header);
      out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      try {
        while (sent < cap && in.available() == 0) {
          out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.UTF_8));
          out.write(chunk);
          out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
          sent += chunk.length;
        }
      } catch (IOException e) {
        // the server stopped reading and closed: the answer (if any) is in the stream
      }
      Answer a = read(s);
      // Answered before the client had sent everything it was willing to: the proxy streamed the
      // body to the runtime, which counted it against its limit; nothing held it all in memory.
      assertThat(sent).as("bytes sent before the answer").isLessThan(cap);
      if (a.status() != 0) {
        assertThat(a.status()).as(a.text()).isBetween(200, 499);
        assertThat(a.text()).contains("resource_exhausted");
      }
    }
  }

  @Test
  void headersGrowingSlowlyPastTheLimitAreCut() throws Exception {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      int sent = 0;
      try {
        out.write(
            ("GET /files?path=x HTTP/1.1\r\nHost: 127.0.0.1\r\nE2b-Sandbox-Id: "
                    + sandbox()
                    + "\r\nE2b-Sandbox-Port: 49983\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        String pad = "X-Pad: " + "a".repeat(1000) + "\r\n";
        while (sent < (1 << 20) && s.getInputStream().available() == 0) {
          out.write(pad.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          sent += pad.length();
          Thread.sleep(5);
        }
      } catch (IOException e) {
        // cut while sending
      }
      Answer a = read(s);
      assertThat(sent).as("header bytes accepted before the cut").isLessThan(1 << 20);
      assertThat(a.cutByServer()).isTrue();
      if (a.status() != 0) {
        assertThat(a.status()).isBetween(400, 499);
      }
    }
  }

  @Test
  void aClientStallingInItsHeadersIsCut() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(
              ("POST /process.Process/Start HTTP/1.1\r\nHost: 127.0.0.1\r\nE2b-Sandbox-Id: "
                      + sandbox()
                      + "\r\nE2b-Sand")
                  .getBytes(StandardCharsets.ISO_8859_1));
      Answer a = read(s);
      assertThat(a.cutByServer()).as("closed by the server, not by our safety net").isTrue();
    }
  }

  @Test
  void aClientStallingMidBodyIsCutAndGetsNoProxyError() throws Exception {
    try (Socket s = startingAProcess("Content-Length: 1000\r\n")) {
      OutputStream out = s.getOutputStream();
      out.write(envelope(0, 995, new byte[10]));
      out.flush();
      Answer a = read(s);
      assertThat(a.cutByServer()).as("closed by the server, not by our safety net").isTrue();
      assertThat(a.status()).as(a.text()).isNotEqualTo(500);
    }
  }
}
