package io.openkruise.agents.runtime.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class EnvelopeTest {
  @Test
  void roundTripsSeveralEnvelopes() {
    Buffer body =
        Buffer.buffer()
            .appendBuffer(Envelope.encode(0, Buffer.buffer("{\"a\":1}")))
            .appendBuffer(Envelope.encode(Envelope.FLAG_END_STREAM, Buffer.buffer("{}")));
    List<Envelope> all = Envelope.decodeAll(body, 100);
    assertThat(all).hasSize(2);
    assertThat(all.get(0).payload().toString()).isEqualTo("{\"a\":1}");
    assertThat(all.get(1).isEndStream()).isTrue();
  }

  @Test
  void rejectsTruncatedAndOversizedInput() {
    assertThatThrownBy(() -> Envelope.decodeAll(Buffer.buffer(new byte[] {0, 0, 0}), 100))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("header");
    assertThatThrownBy(() -> Envelope.decodeAll(Buffer.buffer(new byte[] {0, 0, 0, 0, 9, 1}), 100))
        .hasMessageContaining("declares 9 bytes");
    assertThatThrownBy(() -> Envelope.decodeAll(Envelope.encode(0, Buffer.buffer("xx")), 1))
        .satisfies(
            e ->
                assertThat(((ConnectException) e).code())
                    .isEqualTo(ConnectCode.RESOURCE_EXHAUSTED));
  }

  @Test
  void singleMessageRequiresExactlyOnePlainEnvelope() {
    assertThat(Envelope.singleMessage(Envelope.encode(0, Buffer.buffer("{}")), 10).toString())
        .isEqualTo("{}");
    assertThatThrownBy(() -> Envelope.singleMessage(Buffer.buffer(), 10))
        .hasMessageContaining("exactly one");
    assertThatThrownBy(
            () ->
                Envelope.singleMessage(
                    Envelope.encode(Envelope.FLAG_COMPRESSED, Buffer.buffer("{}")), 10))
        .hasMessageContaining("compressed");
  }

  @Test
  void errorMappingCoversFileSystemFailures() {
    assertThat(ErrorMapping.toConnect(new java.nio.file.NoSuchFileException("/x")).code())
        .isEqualTo(ConnectCode.NOT_FOUND);
    assertThat(ErrorMapping.toConnect(new java.nio.file.FileAlreadyExistsException("/x")).code())
        .isEqualTo(ConnectCode.ALREADY_EXISTS);
    assertThat(ErrorMapping.toConnect(new IllegalStateException("boom")).code())
        .isEqualTo(ConnectCode.INTERNAL);
    assertThat(ErrorMapping.httpStatus(new java.nio.file.AccessDeniedException("/x")))
        .isEqualTo(403);
  }
}
