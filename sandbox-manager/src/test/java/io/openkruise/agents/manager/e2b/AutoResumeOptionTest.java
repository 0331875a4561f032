package io.openkruise.agents.manager.e2b;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class AutoResumeOptionTest {

  static boolean parse(String body) throws Exception {
    return AutoResumeOption.parse(new ObjectMapper().readTree(body));
  }

  @Test
  void theSdksBodyAndTheEarlierPolicyForm() throws Exception {
    // Python lifecycle={"on_timeout": "pause", "auto_resume": True}; JS lifecycle.autoResume.
    assertThat(parse("{\"autoPause\":true,\"autoResume\":{\"enabled\":true}}")).isTrue();
    assertThat(parse("{\"autoPause\":true,\"autoResume\":{\"enabled\":false}}")).isFalse();
    assertThat(parse("{\"autoResume\":{\"policy\":\"any\"}}")).isTrue();
    assertThat(parse("{\"autoResume\":{\"policy\":\"off\"}}")).isFalse();
    assertThat(parse("{\"autoResume\":null}")).isFalse();
    assertThat(parse("{\"autoResume\":{}}")).isFalse();
    assertThat(parse("{}")).isFalse();
  }

  @Test
  void aBadShapeIs400NamingTheField() {
    for (String body :
        new String[] {
          "{\"autoResume\":true}",
          "{\"autoResume\":{\"enabled\":\"yes\"}}",
          "{\"autoResume\":{\"policy\":\"sometimes\"}}"
        }) {
      assertThatThrownBy(() -> parse(body))
          .as(body)
          .isInstanceOfSatisfying(
              E2bException.class,
              e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.getMessage()).contains("autoResume");
              });
    }
  }

  @Test
  void theCreateRequestCarriesIt() throws Exception {
    CreateRequest r =
        CreateRequest.parse(
            new ObjectMapper()
                .readTree(
                    "{\"templateID\":\"t\",\"autoPause\":true,\"autoResume\":{\"enabled\":true}}"),
            false,
            CreateRequestTest.LIMITS);
    assertThat(r.autoPause()).isTrue();
    assertThat(r.autoResume()).isTrue();
  }
}
