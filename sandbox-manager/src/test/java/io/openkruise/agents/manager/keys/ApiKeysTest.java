package io.openkruise.agents.manager.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ApiKeysTest {

  @Test
  void keysHaveTheShapeTheSdksValidate() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String k = ApiKeys.newKey();
      assertThat(k).matches("^e2b_[0-9a-f]{40}$");
      assertThat(seen.add(k)).isTrue();
    }
    assertThat(ApiKeys.wellFormed("e2b_ABC")).isFalse();
    assertThat(ApiKeys.wellFormed(null)).isFalse();
  }

  @Test
  void saltedHashesDifferPerSaltAndVerify() {
    String k = ApiKeys.newKey();
    String s1 = ApiKeys.newSalt();
    String s2 = ApiKeys.newSalt();
    assertThat(ApiKeys.hash(s1, k)).isNotEqualTo(ApiKeys.hash(s2, k));
    assertThat(ApiKeys.sameHash(ApiKeys.hash(s1, k), ApiKeys.hash(s1, k))).isTrue();
    assertThat(ApiKeys.hint(k)).hasSize(16);
    assertThat(ApiKeys.mask(k))
        .containsEntry("prefix", "e2b_")
        .containsEntry("valueLength", 40)
        .containsEntry("maskedValueSuffix", k.substring(k.length() - 4));
  }
}
