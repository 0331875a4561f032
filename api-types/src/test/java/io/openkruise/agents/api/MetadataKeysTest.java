package io.openkruise.agents.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class MetadataKeysTest {

  @Test
  void reservedPrefixesAreOursOnly() {
    assertThat(MetadataKeys.isReserved(MetadataKeys.ANNOTATION_OWNER)).isTrue();
    assertThat(MetadataKeys.isReserved(MetadataKeys.EXT_IMAGE)).isTrue();
    assertThat(MetadataKeys.isReserved("example.com/agents.kruise.io/x")).isFalse();
    assertThat(MetadataKeys.isReserved("team")).isFalse();
  }

  @Test
  void keysKeepTheOriginalNames() {
    assertThat(MetadataKeys.LABEL_SANDBOX_CLAIMED).isEqualTo("agents.kruise.io/sandbox-claimed");
    assertThat(MetadataKeys.FINALIZER_SANDBOX).isEqualTo("agents.kruise.io/sandbox");
    assertThat(MetadataKeys.EXT_CREATE_ON_NO_STOCK)
        .isEqualTo("e2b.agents.kruise.io/create-on-no-stock");
  }
}
