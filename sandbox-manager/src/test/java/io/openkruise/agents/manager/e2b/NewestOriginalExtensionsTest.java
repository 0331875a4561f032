package io.openkruise.agents.manager.e2b;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openkruise.agents.api.MetadataKeys;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The newest original's create extensions: never-timeout, paused retention, pod IP, labels. */
@io.openkruise.agents.testing.tier.UnitTier
class NewestOriginalExtensionsTest {

  private static final Duration MAX = Duration.ofMinutes(10);

  private static Extensions.Split split(Map<String, String> metadata) {
    return Extensions.split(metadata, MAX, MAX);
  }

  @Test
  void theyAreParsedAndStripped() {
    Extensions.Split s =
        split(
            Map.of(
                MetadataKeys.EXT_NEVER_TIMEOUT,
                "true",
                MetadataKeys.EXT_RESERVE_PAUSED_SANDBOX_DURATION,
                "24h",
                MetadataKeys.EXT_RETURN_SANDBOX_IP,
                "true",
                "label:app",
                "web",
                "label:example.com/tier",
                "front",
                "kept",
                "yes"));
    assertThat(s.metadata()).containsExactly(Map.entry("kept", "yes"));
    Extensions e = s.extensions();
    assertThat(e.neverTimeout()).isTrue();
    assertThat(e.reservePausedDuration()).contains("24h");
    assertThat(e.returnSandboxIp()).isTrue();
    assertThat(e.labels()).isEqualTo(Map.of("app", "web", "example.com/tier", "front"));
  }

  @Test
  void createOnNoStockDefaultsToTheConfigurationUnlessTheRequestChooses() {
    assertThat(split(Map.of()).extensions().createOnNoStock(true)).isTrue();
    assertThat(split(Map.of()).extensions().createOnNoStock(false)).isFalse();
    Extensions off = split(Map.of(MetadataKeys.EXT_CREATE_ON_NO_STOCK, "false")).extensions();
    assertThat(off.createOnNoStock(true)).isFalse();
    Extensions on = split(Map.of(MetadataKeys.EXT_CREATE_ON_NO_STOCK, "true")).extensions();
    assertThat(on.createOnNoStock(false)).isTrue();
  }

  @Test
  void badLabelsAre400NamingTheKey() {
    for (var bad :
        List.of(
            Map.of("label:bad key", "x"),
            Map.of("label:", "x"),
            Map.of("label:app", "not a value"),
            Map.of("label:app", "x".repeat(64)),
            Map.of("label:Upper.Case/x", "y"))) {
      String key = bad.keySet().iterator().next();
      assertThatThrownBy(() -> split(bad))
          .isInstanceOf(E2bException.class)
          .hasMessageContaining(key)
          .extracting(x -> ((E2bException) x).status())
          .isEqualTo(400);
    }
    // Labels the system owns cannot be set this way.
    for (String reserved :
        List.of(
            "label:" + MetadataKeys.LABEL_SANDBOX_CLAIMED,
            "label:" + MetadataKeys.LABEL_SANDBOX_ID,
            "label:kubernetes.io/hostname")) {
      assertThatThrownBy(() -> split(Map.of(reserved, "true")))
          .isInstanceOf(E2bException.class)
          .hasMessageContaining("reserved");
    }
  }

  @Test
  void unknownReservedKeysAndBadValuesStay400() {
    assertThatThrownBy(() -> split(Map.of(MetadataKeys.E2B_PREFIX + "no-such-thing", "1")))
        .isInstanceOf(E2bException.class)
        .hasMessageContaining("unknown reserved metadata key");
    for (String bad : List.of("7d", "0s", "-1h", "", "forever!", "1h-", "h")) {
      assertThatThrownBy(() -> split(Map.of(MetadataKeys.EXT_RESERVE_PAUSED_SANDBOX_DURATION, bad)))
          .as(bad)
          .isInstanceOf(E2bException.class)
          .hasMessageContaining(MetadataKeys.EXT_RESERVE_PAUSED_SANDBOX_DURATION);
    }
    assertThatThrownBy(() -> split(Map.of(MetadataKeys.EXT_NEVER_TIMEOUT, "yes")))
        .isInstanceOf(E2bException.class);
    // A chosen name cannot apply to a warm sandbox the pool already named.
    assertThatThrownBy(() -> split(Map.of(MetadataKeys.EXT_SANDBOX_NAME, "mine")))
        .isInstanceOf(E2bException.class)
        .hasMessageContaining(MetadataKeys.EXT_SANDBOX_NAME);
  }

  @Test
  void pausedRetentionReadsGoDurations() {
    assertThat(PausedRetention.parse("30m", "x")).isEqualTo(Duration.ofMinutes(30));
    assertThat(PausedRetention.parse("1h30m", "x")).isEqualTo(Duration.ofMinutes(90));
    assertThat(PausedRetention.parse("1.5h", "x")).isEqualTo(Duration.ofMinutes(90));
    assertThat(PausedRetention.parse("168h", "x")).isEqualTo(Duration.ofDays(7));
    assertThat(PausedRetention.parse("250ms", "x")).isEqualTo(Duration.ofMillis(250));
    assertThat(PausedRetention.parse("forever", "x")).isEqualTo(Duration.ofDays(36_500));
  }
}
