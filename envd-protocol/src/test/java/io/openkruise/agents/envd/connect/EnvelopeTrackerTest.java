package io.openkruise.agents.envd.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class EnvelopeTrackerTest {

  @Test
  void findsTheBoundariesOfEnvelopesCutAnywhere() {
    byte[] first = ConnectEnvelope.encode("{\"a\":1}");
    byte[] two = concat(first, ConnectEnvelope.encode("{\"b\":22}"));
    for (int cut = 1; cut < two.length; cut++) {
      EnvelopeTracker t = new EnvelopeTracker();
      t.track(Arrays.copyOfRange(two, 0, cut));
      assertThat(t.atBoundary()).as("cut at %d", cut).isEqualTo(cut == first.length);
      t.track(Arrays.copyOfRange(two, cut, two.length));
      assertThat(t.atBoundary()).isTrue();
      assertThat(t.sawEndStream()).isFalse();
    }
  }

  @Test
  void seesTheEndStreamFlagOnceItsHeaderIsIn() {
    EnvelopeTracker t = new EnvelopeTracker();
    byte[] end = ConnectEnvelope.encode(ConnectEnvelope.FLAG_END_STREAM, "{}".getBytes());
    t.track(Arrays.copyOfRange(end, 0, 4));
    assertThat(t.sawEndStream()).isFalse();
    t.track(Arrays.copyOfRange(end, 4, 6));
    assertThat(t.sawEndStream()).isTrue();
    assertThat(t.atBoundary()).isFalse();
    t.track(Arrays.copyOfRange(end, 6, end.length));
    assertThat(t.atBoundary()).isTrue();
  }

  @Test
  void readsALengthWithTheTopBitSetAsUnsigned() {
    EnvelopeTracker t = new EnvelopeTracker();
    t.track(ConnectEnvelope.header(0, 0x80000000));
    // Payload bytes that would read as an end-stream header were the length taken as negative.
    t.track(ConnectEnvelope.header(ConnectEnvelope.FLAG_END_STREAM, 0));
    assertThat(t.sawEndStream()).isFalse();
    assertThat(t.atBoundary()).isFalse();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
