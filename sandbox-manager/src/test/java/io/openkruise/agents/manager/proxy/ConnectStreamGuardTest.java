package io.openkruise.agents.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkruise.agents.envd.connect.ConnectEnvelope;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The proxy's end of a sandbox's Connect stream when the sandbox goes away. */
@io.openkruise.agents.testing.tier.UnitTier
class ConnectStreamGuardTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  /** A stand-in for the sandbox's response body. */
  static final class Upstream implements ReadStream<Buffer> {
    Handler<Buffer> data;
    Handler<Void> end;
    Handler<Throwable> error;

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> h) {
      data = h;
      return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) {
      error = h;
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> h) {
      end = h;
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      return this;
    }
  }

  /** What the client receives. */
  static final class Client {
    final Buffer body = Buffer.buffer();
    final List<Throwable> errors = new ArrayList<>();
    boolean ended;
  }

  static Buffer envelope(int flags, String json) {
    return Buffer.buffer(ConnectEnvelope.encode(flags, json.getBytes(StandardCharsets.UTF_8)));
  }

  final AtomicInteger finished = new AtomicInteger();

  ConnectStreamGuard guard(Upstream up, Client c, Context ctx) {
    ConnectStreamGuard g =
        new ConnectStreamGuard(
            up, ctx, killed -> killed ? "gone" : "lost", finished::incrementAndGet);
    g.handler(c.body::appendBuffer);
    g.endHandler(v -> c.ended = true);
    g.exceptionHandler(c.errors::add);
    return g;
  }

  static String lastMessage(Buffer body) throws Exception {
    byte[] bytes = body.getBytes();
    List<ConnectEnvelope.Frame> frames = ConnectEnvelope.split(bytes, Integer.MAX_VALUE);
    ConnectEnvelope.Frame last = frames.get(frames.size() - 1);
    assertThat(last.isEndStream()).isTrue();
    JsonNode error =
        new ObjectMapper().readTree(ConnectEnvelope.payload(bytes, last)).path("error");
    return error.path("message").asText() + "/" + error.path("code").asText();
  }

  @Test
  void tracksEnvelopesSplitAcrossBuffers() {
    Upstream up = new Upstream();
    ConnectStreamGuard g = guard(up, new Client(), null);
    Buffer two = envelope(0, "{\"a\":1}").appendBuffer(envelope(0, "{\"b\":22}"));
    up.data.handle(two.getBuffer(0, 3));
    assertThat(g.atBoundary()).isFalse();
    up.data.handle(two.getBuffer(3, 14));
    assertThat(g.atBoundary()).isFalse();
    up.data.handle(two.getBuffer(14, two.length()));
    assertThat(g.atBoundary()).isTrue();
    assertThat(g.sawEndStream()).isFalse();
    up.data.handle(envelope(ConnectEnvelope.FLAG_END_STREAM, "{}"));
    assertThat(g.sawEndStream()).isTrue();
  }

  @Test
  void aNormalEndPassesThrough() {
    Upstream up = new Upstream();
    Client c = new Client();
    guard(up, c, null);
    Buffer end = envelope(ConnectEnvelope.FLAG_END_STREAM, "{}");
    up.data.handle(end);
    up.end.handle(null);
    assertThat(c.ended).isTrue();
    assertThat(c.body).isEqualTo(end);
    assertThat(finished).hasValue(1);
  }

  @Test
  void aConnectionLostBetweenMessagesEndsWithUnavailable() throws Exception {
    Upstream up = new Upstream();
    Client c = new Client();
    guard(up, c, null);
    up.data.handle(envelope(0, "{\"event\":{}}"));
    up.error.handle(new RuntimeException("Connection was closed"));
    assertThat(c.ended).isTrue();
    assertThat(c.errors).isEmpty();
    assertThat(lastMessage(c.body)).isEqualTo("lost/unavailable");
  }

  @Test
  void anEndWithoutEndStreamEndsWithUnavailable() throws Exception {
    Upstream up = new Upstream();
    Client c = new Client();
    guard(up, c, null);
    up.end.handle(null);
    assertThat(lastMessage(c.body)).isEqualTo("lost/unavailable");
  }

  @Test
  void cutMidMessageFailsAsBefore() {
    Upstream up = new Upstream();
    Client c = new Client();
    guard(up, c, null);
    up.data.handle(envelope(0, "{\"event\":{}}").getBuffer(0, 7));
    up.error.handle(new RuntimeException("reset"));
    assertThat(c.ended).isFalse();
    assertThat(c.errors).hasSize(1);
  }

  @Test
  void aSandboxGoneEventEndsTheStreamOnItsContext() throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Upstream up = new Upstream();
    Client c = new Client();
    CompletableFuture<ConnectStreamGuard> made = new CompletableFuture<>();
    ctx.runOnContext(v -> made.complete(guard(up, c, ctx)));
    ConnectStreamGuard g = made.get(10, TimeUnit.SECONDS);
    OpenStreams open = new OpenStreams(java.time.Clock.systemUTC());
    open.add("sbx1", g);
    assertThat(open.size()).isEqualTo(1);
    g.sandboxGone();
    CompletableFuture<Void> drained = new CompletableFuture<>();
    ctx.runOnContext(v -> drained.complete(null));
    drained.get(10, TimeUnit.SECONDS);
    assertThat(c.ended).isTrue();
    assertThat(lastMessage(c.body)).isEqualTo("gone/unavailable");
    assertThat(up.data).isNull();
  }
}
