package io.openkruise.agents.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.openkruise.agents.runtime.TestRuntime;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Port 49999 of a secure sandbox: every route needs the envd access token (issue 14, attack 4:
 * {@code GET /contexts} answered an anonymous caller), not only {@code /execute}.
 */
@io.openkruise.agents.testing.tier.UnitTier
class CodeInterpreterGuardTest {
  @RegisterExtension
  static final TestRuntime rt = TestRuntime.perClass(b -> b.codeInterpreter(true));

  @BeforeAll
  static void init() throws Exception {
    assertThat(rt.init("tok").statusCode()).isEqualTo(204);
  }

  @Test
  void everyRouteRefusesACallerWithoutTheAccessToken() throws Exception {
    rt.token = null;
    assertThat(rt.get(rt.ciUrl("/contexts")).statusCode()).isEqualTo(401);
    assertThat(rt.ciPost("/contexts", "{}").statusCode()).isEqualTo(401);
    assertThat(rt.delete(rt.ciUrl("/contexts/any")).statusCode()).isEqualTo(401);
    assertThat(
            rt.post(rt.ciUrl("/contexts/any/restart"), "application/json", new byte[0])
                .statusCode())
        .isEqualTo(401);
    assertThat(rt.ciPost("/execute", "{\"code\":\"1\"}").statusCode()).isEqualTo(401);
    rt.token = "wrong";
    assertThat(rt.get(rt.ciUrl("/contexts")).statusCode()).isEqualTo(401);
    // Health stays open for probes.
    rt.token = null;
    assertThat(rt.get(rt.ciUrl("/health")).statusCode()).isEqualTo(200);
  }

  @Test
  void theTokenHolderUsesEveryRoute() throws Exception {
    rt.token = "tok";
    HttpResponse<String> created = rt.ciPost("/contexts", "{}");
    assertThat(created.statusCode()).isEqualTo(200);
    String id = TestRuntime.JSON.readTree(created.body()).path("id").asText();
    assertThat(rt.get(rt.ciUrl("/contexts")).body()).contains(id);
    assertThat(rt.delete(rt.ciUrl("/contexts/" + id)).statusCode()).isEqualTo(204);
    rt.token = null;
  }
}
