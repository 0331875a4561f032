package io.openkruise.agents.manager.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.manager.routing.TrafficRouter.Api;
import io.openkruise.agents.manager.routing.TrafficRouter.Malformed;
import io.openkruise.agents.manager.routing.TrafficRouter.Mode;
import io.openkruise.agents.manager.routing.TrafficRouter.SandboxTraffic;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class TrafficRouterTest {

  @Test
  void privateProtocol() {
    assertThat(TrafficRouter.classify("d.com", "/kruise/api/v2/sandboxes", null, null))
        .isEqualTo(new Api("/v2/sandboxes"));
    assertThat(TrafficRouter.classify("d.com", "/kruise/api", null, null)).isEqualTo(new Api("/"));
    assertThat(TrafficRouter.classify("d.com", "/kruise/default--s1/49983/files", null, null))
        .isEqualTo(new SandboxTraffic("default--s1", 49983, "/files", Mode.PRIVATE));
    assertThat(TrafficRouter.classify("d.com", "/kruise/default--s1/8080", null, null))
        .isEqualTo(new SandboxTraffic("default--s1", 8080, "/", Mode.PRIVATE));
    assertThat(TrafficRouter.classify("d.com", "/kruise/default--s1/x/y", null, null))
        .isInstanceOf(Malformed.class);
    assertThat(TrafficRouter.classify("d.com", "/kruise/only", null, null))
        .isInstanceOf(Malformed.class);
  }

  @Test
  void nativeHosts() {
    assertThat(TrafficRouter.classify("api.d.com:8080", "/sandboxes", null, null))
        .isEqualTo(new Api("/sandboxes"));
    assertThat(TrafficRouter.classify("49999-default--s1.d.com:8080", "/execute", null, null))
        .isEqualTo(new SandboxTraffic("default--s1", 49999, "/execute", Mode.NATIVE));
    assertThat(TrafficRouter.classify("localhost:7788", "/sandboxes", null, null))
        .isEqualTo(new Api("/sandboxes"));
  }

  @Test
  void headerRouting() {
    assertThat(TrafficRouter.classify("localhost", "/files", "default--s1", "49983"))
        .isEqualTo(new SandboxTraffic("default--s1", 49983, "/files", Mode.HEADER));
    // Old SDKs sent the headers on API calls too: the API host wins.
    assertThat(TrafficRouter.classify("api.d.com", "/sandboxes/x/connect", "x", "49983"))
        .isEqualTo(new Api("/sandboxes/x/connect"));
    // ... and to one URL for both (header routing): envd serves no /sandboxes path.
    assertThat(TrafficRouter.classify("localhost", "/sandboxes/x/connect", "x", "49983"))
        .isEqualTo(new Api("/sandboxes/x/connect"));
    assertThat(TrafficRouter.classify("localhost", "/v2/sandboxes", "x", "49983"))
        .isEqualTo(new Api("/v2/sandboxes"));
    assertThat(TrafficRouter.classify("localhost", "/sandboxes", "x", "8080"))
        .isEqualTo(new SandboxTraffic("x", 8080, "/sandboxes", Mode.HEADER));
    assertThat(TrafficRouter.classify("localhost", "/x", "s", "99999"))
        .isEqualTo(new SandboxTraffic("s", -1, "/x", Mode.HEADER));
  }

  @Test
  void accessTokenFallbackOnlyForEnvdPathsAndKnownTokens() {
    Map<String, String> tokens = Map.of("tok-1", "default--s1");
    java.util.function.Function<String, Optional<String>> lookup =
        t -> Optional.ofNullable(tokens.get(t));
    assertThat(TrafficRouter.byAccessToken("/files", "tok-1", lookup))
        .contains(new SandboxTraffic("default--s1", 49983, "/files", Mode.TOKEN));
    assertThat(TrafficRouter.byAccessToken("/process.Process/Start", "tok-1", lookup))
        .contains(new SandboxTraffic("default--s1", 49983, "/process.Process/Start", Mode.TOKEN));
    assertThat(TrafficRouter.byAccessToken("/filesystem.Filesystem/ListDir", "tok-1", lookup))
        .isPresent();
    // Unknown or missing token, or an API / unknown path: stays with the API (and its 404).
    assertThat(TrafficRouter.byAccessToken("/files", "other", lookup)).isEmpty();
    assertThat(TrafficRouter.byAccessToken("/files", null, lookup)).isEmpty();
    assertThat(TrafficRouter.byAccessToken("/sandboxes", "tok-1", lookup)).isEmpty();
    assertThat(TrafficRouter.byAccessToken("/health", "tok-1", lookup)).isEmpty();
    assertThat(TrafficRouter.byAccessToken("/files/../sandboxes", "tok-1", lookup)).isEmpty();
  }
}
