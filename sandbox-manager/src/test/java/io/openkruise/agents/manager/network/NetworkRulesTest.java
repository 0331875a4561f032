package io.openkruise.agents.manager.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class NetworkRulesTest {

  static final ObjectMapper JSON = new ObjectMapper();

  static NetworkRules create(String body) throws Exception {
    return NetworkRules.fromCreate(JSON.readTree(body)).orElse(null);
  }

  @Test
  void theSdksDefaultBodiesAskForNothing() throws Exception {
    assertThat(create("{\"templateID\": \"t\"}")).isNull();
    assertThat(
            create(
                "{\"allow_internet_access\": true, \"network\": {\"allowPublicTraffic\": true}}"))
        .isNull();
    assertThat(create("{\"network\": {\"allowOut\": [], \"denyOut\": [], \"rules\": {}}}"))
        .isNull();
    // dnsServers only matters for domain rules, which are refused anyway.
    assertThat(create("{\"network\": {\"dnsServers\": [\"1.1.1.1\"]}}")).isNull();
  }

  @Test
  void noInternetAccessIsDenyingAllTraffic() throws Exception {
    assertThat(create("{\"allow_internet_access\": false}"))
        .isEqualTo(new NetworkRules(List.of(), List.of("0.0.0.0/0")));
    assertThat(
            create(
                "{\"allow_internet_access\": false, \"network\": {\"denyOut\": [\"0.0.0.0/0\"]}}"))
        .isEqualTo(new NetworkRules(List.of(), List.of("0.0.0.0/0")));
  }

  @Test
  void theRecordRoundTrips() throws Exception {
    NetworkRules r =
        create("{\"network\": {\"allowOut\": [\"1.1.1.1:443\"], \"denyOut\": [\"0.0.0.0/0\"]}}");
    assertThat(NetworkRules.fromJson(r.toJson())).contains(r);
    assertThat(NetworkRules.fromJson("not json")).isEmpty();
  }

  @Test
  void domainsAre400NamingTheField() {
    assertThatThrownBy(
            () ->
                create(
                    "{\"network\": {\"allowOut\": [\"example.com\"], \"denyOut\": [\"0.0.0.0/0\"]}}"))
        .isInstanceOf(InvalidNetworkRules.class)
        .hasMessageStartingWith("network.allowOut: example.com")
        .hasMessageContaining("domain");
    assertThatThrownBy(() -> create("{\"network\": {\"denyOut\": [\"example.com:443\"]}}"))
        .hasMessageStartingWith("network.denyOut");
    assertThatThrownBy(
            () -> NetworkRules.fromUpdate(JSON.readTree("{\"allowOut\": [\"*.example.com\"]}")))
        .hasMessageStartingWith("allowOut");
  }

  @Test
  void whatNoNetworkPolicyCanDoIs400() {
    assertThatThrownBy(() -> create("{\"network\": {\"denyOut\": [\"1.2.3.4:80\"]}}"))
        .hasMessageStartingWith("network.denyOut: 1.2.3.4:80 names a port");
    assertThatThrownBy(() -> create("{\"network\": {\"egressProxy\": {\"address\": \"p:1080\"}}}"))
        .hasMessageStartingWith("network.egressProxy");
    assertThatThrownBy(() -> create("{\"network\": {\"rules\": {\"api.example.com\": []}}}"))
        .hasMessageStartingWith("network.rules");
  }

  @Test
  void malformedEntriesAre400() {
    for (String bad :
        List.of(
            "{\"network\": {\"allowOut\": \"1.1.1.1\"}}",
            "{\"network\": {\"allowOut\": [1]}}",
            "{\"network\": {\"allowOut\": [\"1.1.1.1:0\"]}}",
            "{\"network\": {\"allowOut\": [\"1.1.1.1:2-1\"]}}",
            "{\"network\": {\"allowOut\": [\"1.1.1.1/33\"]}}",
            "{\"network\": {\"allowOut\": [\"\"]}}",
            "{\"network\": 3}",
            "{\"allow_internet_access\": \"no\"}")) {
      assertThatThrownBy(() -> create(bad)).as(bad).isInstanceOf(InvalidNetworkRules.class);
    }
  }

  @Test
  void entriesInE2bsSpellings() {
    assertThat(EgressRule.parse("8.8.8.8:", "f")).isEqualTo(EgressRule.parse("8.8.8.8", "f"));
    EgressRule v6 = EgressRule.parse("[2001:db8::1]:53", "f");
    assertThat(v6.cidr().toString()).isEqualTo("2001:db8::1/128");
    assertThat(v6.portStart()).isEqualTo(53);
    assertThat(EgressRule.parse("2001:db8::/32", "f").cidr().toString()).isEqualTo("2001:db8::/32");
    assertThat(EgressRule.parse("10.1.2.3/8", "f").cidr().toString()).isEqualTo("10.0.0.0/8");
  }
}
