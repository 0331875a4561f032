package io.openkruise.agents.envd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class AccessSignaturesTest {

  // Golden vectors computed outside Java: v1_ + unpadded base64(sha256(raw)).
  private static final String READ_BY_USER = "v1_powbkN3fI7yRlWaB5Ui2dRUwVP8UZprfSGludREq8sk";
  private static final String WRITE_EXPIRING = "v1_yKIfWf99RjLXk8FXwdccFO8ZrLxrZrfgtk8KVvUBEVc";

  @Test
  void signsAsEnvdDoes() {
    assertThat(AccessSignatures.sign("/home/user/a.txt", "read", "user", "secret-token", null))
        .isEqualTo(READ_BY_USER);
    assertThat(
            AccessSignatures.sign("/home/user/a.txt", "write", null, "secret-token", 1700000000L))
        .isEqualTo(WRITE_EXPIRING);
  }

  /**
   * {@code WRITE_EXPIRING} checked as {@code operation} with expiration {@code exp} at {@code now}.
   */
  private static boolean write(String operation, String exp, long now) {
    return AccessSignatures.verify(
        WRITE_EXPIRING, "/home/user/a.txt", operation, null, "secret-token", exp, now, 3600);
  }

  @Test
  void verifiesOperationExpirationAndLifetime() {
    assertThat(write("write", "1700000000", 1699999000L)).isTrue();
    assertThat(write("read", "1700000000", 1699999000L)).as("another operation").isFalse();
    assertThat(write("write", "1700000000", 1700000001L)).as("expired").isFalse();
    assertThat(write("write", "1700000000", 1600000000L)).as("too far ahead").isFalse();
    assertThat(write("write", "soon", 0)).as("malformed expiration").isFalse();
    // Without an expiration a signature lives as long as the token.
    assertThat(
            AccessSignatures.verify(
                READ_BY_USER,
                "/home/user/a.txt",
                "read",
                "user",
                "secret-token",
                null,
                Long.MAX_VALUE / 2,
                AccessSignatures.UNBOUNDED_LIFETIME))
        .isTrue();
    assertThat(AccessSignatures.verify(null, "/a", "read", null, "secret-token", null, 0, 1))
        .isFalse();
  }

  @Test
  void comparesTokens() {
    assertThat(AccessSignatures.sameToken("t", "t")).isTrue();
    assertThat(AccessSignatures.sameToken("t", "u")).isFalse();
    assertThat(AccessSignatures.sameToken("t", null)).isFalse();
  }
}
