package io.openkruise.agents.envd.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ConnectEnvelopeTest {

  @Test
  void encodesTheGoldenBytes() {
    assertThat(ConnectEnvelope.encode("{}")).containsExactly(0, 0, 0, 0, 2, '{', '}');
    assertThat(ConnectEnvelope.encode(ConnectEnvelope.FLAG_END_STREAM, new byte[300]))
        .startsWith(2, 0, 0, 1, 44)
        .hasSize(305);
    assertThat(ConnectEnvelope.header(1, 0x01020304)).containsExactly(1, 1, 2, 3, 4);
  }

  @Test
  void encodesAnEndStreamError() throws Exception {
    ConnectEnvelope.Message end =
        ConnectEnvelope.read(
            new ByteArrayInputStream(ConnectEnvelope.endStreamError("unavailable", "gone")));
    assertThat(end.isEndStream()).isTrue();
    assertThat(end.text()).isEqualTo("{\"error\":{\"code\":\"unavailable\",\"message\":\"gone\"}}");
    // Quotes, backslashes and control characters escaped; the rest as UTF-8.
    assertThat(
            ConnectEnvelope.readAll(ConnectEnvelope.endStreamError("c", "a \"q\" \\ \n ü"))
                .get(0)
                .text())
        .isEqualTo("{\"error\":{\"code\":\"c\",\"message\":\"a \\\"q\\\" \\\\ \\u000a ü\"}}");
  }

  @Test
  void splitsAStrictRequestBody() {
    byte[] body =
        concat(ConnectEnvelope.encode("{\"a\":1}"), ConnectEnvelope.encode(2, new byte[0]));
    List<ConnectEnvelope.Frame> frames = ConnectEnvelope.split(body, 100);
    assertThat(frames)
        .containsExactly(new ConnectEnvelope.Frame(0, 5, 7), new ConnectEnvelope.Frame(2, 17, 0));
    assertThat(new String(ConnectEnvelope.payload(body, frames.get(0)), StandardCharsets.UTF_8))
        .isEqualTo("{\"a\":1}");
    assertThat(frames.get(1).isEndStream()).isTrue();
  }

  @Test
  void refusesTruncatedAndOversizedBodies() {
    assertThatThrownBy(() -> ConnectEnvelope.split(new byte[] {0, 0, 0}, 100))
        .isInstanceOfSatisfying(
            MalformedEnvelopeException.class, e -> assertThat(e.tooLarge()).isFalse())
        .hasMessageContaining("header");
    assertThatThrownBy(() -> ConnectEnvelope.split(new byte[] {0, 0, 0, 0, 9, 1}, 100))
        .hasMessageContaining("declares 9 bytes");
    // A length with the top bit set is read unsigned, not as a negative number.
    assertThatThrownBy(() -> ConnectEnvelope.split(new byte[] {0, (byte) 0xFF, 0, 0, 0}, 100))
        .isInstanceOfSatisfying(
            MalformedEnvelopeException.class, e -> assertThat(e.tooLarge()).isTrue());
    assertThatThrownBy(() -> ConnectEnvelope.split(ConnectEnvelope.encode("xx"), 1))
        .isInstanceOfSatisfying(
            MalformedEnvelopeException.class, e -> assertThat(e.tooLarge()).isTrue());
  }

  @Test
  void readsResponsesLenientlyAndStreamsOneAtATime() throws Exception {
    byte[] two =
        concat(ConnectEnvelope.encode("{}"), ConnectEnvelope.encode(2, "{\"e\":1}".getBytes()));
    byte[] cut = concat(two, new byte[] {0, 0, 0, 0, 9, 1});
    assertThat(ConnectEnvelope.readAll(cut))
        .extracting(ConnectEnvelope.Message::text)
        .containsExactly("{}", "{\"e\":1}");

    var in = new ByteArrayInputStream(cut);
    assertThat(ConnectEnvelope.read(in).text()).isEqualTo("{}");
    assertThat(ConnectEnvelope.read(in).isEndStream()).isTrue();
    assertThatThrownBy(() -> ConnectEnvelope.read(in)).isInstanceOf(EOFException.class);
    assertThat(ConnectEnvelope.read(new ByteArrayInputStream(new byte[0]))).isNull();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
