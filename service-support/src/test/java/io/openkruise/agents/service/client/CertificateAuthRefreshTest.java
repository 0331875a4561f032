package io.openkruise.agents.service.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class CertificateAuthRefreshTest {

  private static ConfigBuilder base() {
    return new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:6443");
  }

  @Test
  void certificateOnlyConfigGetsATokenlessProvider() {
    Config config = base().withClientCertData("Y2VydA==").withClientKeyData("a2V5").build();

    assertThat(CertificateAuthRefresh.customize(config)).isTrue();
    assertThat(config.getOauthTokenProvider()).isNotNull();
    assertThat(config.getOauthTokenProvider().getToken()).isNull();
  }

  @Test
  void configsWithATokenBasicAuthOrNoCertificateAreLeftAlone() {
    Config token = base().withClientCertData("Y2VydA==").withOauthToken("t").build();
    Config auto = base().withClientCertData("Y2VydA==").build();
    auto.setAutoOAuthToken("service-account-token");
    Config basic = base().withClientCertData("Y2VydA==").withUsername("u").build();
    Config noCertificate = base().build();

    for (Config c : new Config[] {token, auto, basic, noCertificate}) {
      assertThat(CertificateAuthRefresh.customize(c)).isFalse();
      assertThat(c.getOauthTokenProvider()).isNull();
    }
  }
}
