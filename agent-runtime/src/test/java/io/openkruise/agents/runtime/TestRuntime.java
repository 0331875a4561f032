package io.openkruise.agents.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.vertx.core.Vertx;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A runtime on loopback with a random port and a temp root, plus a small envd client. Started
 * directly ({@link #start}) and closed by the caller, or registered as a JUnit extension field: one
 * per test class ({@code static final TestRuntime rt = TestRuntime.perClass(b -> ...)}) or a fresh
 * one per test ({@link #perTest}, an instance field).
 */
public final class TestRuntime
    implements AutoCloseable,
        BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback {
  public static final ObjectMapper JSON = new ObjectMapper();

  /** Options beyond the test defaults, applied when the runtime starts. */
  @FunctionalInterface
  public interface Options {
    void apply(RuntimeOptions.Builder b) throws Exception;
  }

  // Set when the runtime starts: at once for start(), in the callbacks for an extension.
  public volatile Vertx vertx;
  public volatile AgentRuntime runtime;
  public volatile Path root;
  public final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final Options options;
  private final boolean perTest;
  private volatile boolean ownVertx;
  public volatile String token;

  /** Sent as {@code X-Kruise-Bootstrap-Token} when set. */
  public volatile String bootstrap;

  private TestRuntime(Options options, boolean perTest) {
    this.options = options;
    this.perTest = perTest;
  }

  /** One runtime (own Vert.x) from before the class's first test until after its last. */
  public static TestRuntime perClass(Options options) {
    return new TestRuntime(options, false);
  }

  /** A fresh runtime (own Vert.x) for each test, closed after it. */
  public static TestRuntime perTest(Options options) {
    return new TestRuntime(options, true);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    if (!perTest) {
      launch(Vertx.vertx(), true);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (!perTest) {
      close();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (perTest) {
      token = null;
      bootstrap = null;
      launch(Vertx.vertx(), true);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (perTest) {
      close();
    }
  }

  public static TestRuntime start(boolean codeInterpreter) throws Exception {
    return start(Vertx.vertx(), true, b -> b.codeInterpreter(codeInterpreter));
  }

  /**
   * Starts with defaults for tests (loopback, random ports, temp root, no bootstrap token:
   * unauthenticated like stock envd) plus {@code custom}.
   */
  public static TestRuntime start(
      Vertx vertx, boolean ownVertx, java.util.function.Consumer<RuntimeOptions.Builder> custom)
      throws Exception {
    TestRuntime rt = new TestRuntime(custom::accept, false);
    rt.launch(vertx, ownVertx);
    return rt;
  }

  private void launch(Vertx vertx, boolean ownVertx) throws Exception {
    Path base = Files.createTempDirectory("agent-runtime-test");
    Path root = base.resolve("sandbox");
    RuntimeOptions.Builder b =
        RuntimeOptions.builder()
            .host("127.0.0.1")
            .rootDir(root)
            .envdPort(0)
            .codeInterpreter(false)
            .codeInterpreterPort(0)
            .unauthenticated(true);
    options.apply(b);
    RuntimeOptions opts = b.build();
    this.runtime =
        AgentRuntime.start(vertx, opts)
            .toCompletionStage()
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
    this.vertx = vertx;
    this.ownVertx = ownVertx;
    this.root = root;
  }

  public String envdUrl(String path) {
    return "http://127.0.0.1:" + runtime.envdPort() + path;
  }

  public String ciUrl(String path) {
    return "http://127.0.0.1:" + runtime.codeInterpreterPort() + path;
  }

  private HttpRequest.Builder req(String url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("X-Access-Token", token);
    }
    if (bootstrap != null) {
      b.header("X-Kruise-Bootstrap-Token", bootstrap);
    }
    return b;
  }

  /** Unary Connect call; returns status and parsed JSON body. */
  public Response unary(String procedure, String json) throws Exception {
    HttpResponse<String> r =
        http.send(
            req(envdUrl("/" + procedure))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.body().isEmpty() ? null : JSON.readTree(r.body()));
  }

  public record Response(int status, JsonNode body) {}

  /** One decoded server-stream envelope. */
  public record Frame(int flags, JsonNode message) {
    public boolean end() {
      return (flags & ConnectEnvelope.FLAG_END_STREAM) != 0;
    }
  }

  public static byte[] envelope(int flags, byte[] payload) {
    return ConnectEnvelope.encode(flags, payload);
  }

  /** Opens a server stream; read frames with {@link Stream#next()}. */
  public Stream stream(String procedure, String json, Map<String, String> headers)
      throws Exception {
    return streamRaw(procedure, envelope(0, json.getBytes(StandardCharsets.UTF_8)), headers);
  }

  /** {@code process.Process/Start} of {@code command} in a login bash ({@link #startJson}). */
  public Stream startProcess(String command, Map<String, String> headers) throws Exception {
    return stream("process.Process/Start", startJson(command), headers);
  }

  public Stream streamRaw(String procedure, byte[] body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b =
        req(envdUrl("/" + procedure))
            .header("Content-Type", "application/connect+json")
            .header("Connect-Protocol-Version", "1")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    return new Stream(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
  }

  /**
   * A streaming call's answer: its status, content type and body, read one envelope at a time as
   * the SDKs do.
   */
  public record Stream(int status, String contentType, InputStream in) implements AutoCloseable {

    public Frame next() throws IOException {
      ConnectEnvelope.Message m = ConnectEnvelope.read(in);
      if (m == null) {
        throw new EOFException("stream ended without end-stream envelope");
      }
      return new Frame(m.flags(), JSON.readTree(m.payload()));
    }

    /** All remaining frames up to and including the end-stream one. */
    public List<Frame> rest() throws IOException {
      List<Frame> frames = new ArrayList<>();
      Frame f;
      do {
        f = next();
        frames.add(f);
      } while (!f.end());
      return frames;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  public static ObjectNode obj() {
    return JSON.createObjectNode();
  }

  public static String startJson(String command) {
    ObjectNode req = obj();
    ObjectNode proc = req.putObject("process");
    proc.put("cmd", "/bin/bash");
    proc.putArray("args").add("-l").add("-c").add(command);
    req.put("stdin", false);
    return req.toString();
  }

  public HttpResponse<String> get(String url) throws Exception {
    return http.send(req(url).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<byte[]> getBytes(String url) throws Exception {
    return http.send(req(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  public HttpResponse<String> post(String url, String contentType, byte[] body) throws Exception {
    HttpRequest.Builder b = req(url).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A JSON {@code POST} to the code interpreter's {@code path}. */
  public HttpResponse<String> ciPost(String path, String json) throws Exception {
    return post(ciUrl(path), "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code POST /init} with {@code accessToken}, as the manager sends it after a claim. */
  public HttpResponse<String> init(String accessToken) throws Exception {
    return post(
        envdUrl("/init"),
        "application/json",
        ("{\"accessToken\":\"" + accessToken + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  public HttpResponse<String> delete(String url) throws Exception {
    return http.send(req(url).DELETE().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Closes the runtime and fails if any process it started is still alive (no orphans). */
  @Override
  public void close() throws Exception {
    if (runtime == null) {
      return; // it never started: the failure that stopped it is the one to see
    }
    runtime.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    long deadline = System.currentTimeMillis() + 5000;
    List<Long> left = Orphans.withSandboxRoot(root);
    while (!left.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      left = Orphans.withSandboxRoot(root);
    }
    if (!left.isEmpty()) {
      throw new AssertionError("processes outlived runtime " + root + ": " + left);
    }
    if (ownVertx) {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
    deleteTree(root.getParent());
  }

  /** Test roots live under the system temp dir; a suite run must not leave them behind. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
