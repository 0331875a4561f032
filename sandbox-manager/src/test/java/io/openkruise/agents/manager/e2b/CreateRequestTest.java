package io.openkruise.agents.manager.e2b;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkruise.agents.api.MetadataKeys;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class CreateRequestTest {

  static final CreateRequest.Limits LIMITS =
      new CreateRequest.Limits(
          Duration.ofSeconds(300), Duration.ofHours(24), Duration.ofMinutes(5));

  static JsonNode json(String s) throws Exception {
    return new ObjectMapper().readTree(s);
  }

  static int status(String body, boolean v2) {
    try {
      CreateRequest.parse(json(body), v2, LIMITS);
      return 0;
    } catch (E2bException e) {
      return e.status();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void sdkBodiesParse() throws Exception {
    CreateRequest js =
        CreateRequest.parse(
            json(
                "{\"autoPause\":false,\"templateID\":\"base\",\"timeout\":120,\"secure\":true,"
                    + "\"allow_internet_access\":true,\"network\":{},\"mcp\":null}"),
            false,
            LIMITS);
    assertThat(js.templateId()).isEqualTo("base");
    assertThat(js.timeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(js.secure()).isTrue();
    CreateRequest v2 =
        CreateRequest.parse(json("{\"templateID\":\"code-interpreter-v1:default\"}"), true, LIMITS);
    assertThat(v2.templateId()).isEqualTo("code-interpreter-v1");
    assertThat(v2.timeout()).isEqualTo(Duration.ofSeconds(300));
    assertThat(v2.secure()).isTrue();
    assertThat(
            CreateRequest.parse(json("{\"templateID\":\"t\",\"timeout\":1.2}"), false, LIMITS)
                .timeout())
        .isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void extensionsAreParsedAndStripped() throws Exception {
    CreateRequest r =
        CreateRequest.parse(
            json(
                "{\"templateID\":\"t\",\"metadata\":{\"user\":\"x\",\""
                    + MetadataKeys.EXT_IMAGE
                    + "\":\"registry.example.com:5000/team/app:v2\",\""
                    + MetadataKeys.EXT_CSI_VOLUME_NAME
                    + "\":\"pv-1\",\""
                    + MetadataKeys.EXT_CSI_MOUNT_POINT
                    + "\":\"/mnt/data\",\""
                    + MetadataKeys.EXT_CLAIM_TIMEOUT_SECONDS
                    + "\":\"120\",\""
                    + MetadataKeys.EXT_WAIT_READY_TIMEOUT_SECONDS
                    + "\":\"7\",\""
                    + MetadataKeys.EXT_CREATE_ON_NO_STOCK
                    + "\":\"true\",\""
                    + MetadataKeys.EXT_RESERVE_FAILED_SANDBOX
                    + "\":\"FALSE\",\""
                    + MetadataKeys.EXT_SKIP_INIT_RUNTIME
                    + "\":\"true\"}}"),
            false,
            LIMITS);
    assertThat(r.metadata()).containsOnlyKeys("user");
    Extensions e = r.extensions();
    assertThat(e.image()).contains("registry.example.com:5000/team/app:v2");
    assertThat(e.csiMount()).contains(new Extensions.CsiMount("pv-1", "/mnt/data"));
    assertThat(e.claimTimeout()).contains(Duration.ofMinutes(2));
    assertThat(e.waitReadyTimeout()).contains(Duration.ofSeconds(7));
    assertThat(e.createOnNoStock(false)).isTrue();
    assertThat(e.reserveFailedSandbox()).isFalse();
    assertThat(e.skipInitRuntime()).isTrue();
  }

  @Test
  void badInputIs400AndUnknownTemplateShapeIs404() {
    assertThat(status("{\"templateID\":\"t\",\"timeout\":-1}", false)).isEqualTo(400);
    assertThat(status("{\"templateID\":\"t\",\"timeout\":86401}", false)).isEqualTo(400);
    assertThat(status("{\"templateID\":\"t\",\"timeout\":true}", false)).isEqualTo(400);
    assertThat(status("{\"timeout\":5}", false)).isEqualTo(400);
    assertThat(status("[]", false)).isEqualTo(400);
    assertThat(status("{\"templateID\":\"Not/A/Set\"}", false)).isEqualTo(404);
    for (String mp : new String[] {"rel", "/", "/a/", "/a//b", "/a/../b", "/a/./b", "/a/."}) {
      assertThat(
              status(
                  "{\"templateID\":\"t\",\"metadata\":{\""
                      + MetadataKeys.EXT_CSI_VOLUME_NAME
                      + "\":\"pv\",\""
                      + MetadataKeys.EXT_CSI_MOUNT_POINT
                      + "\":\""
                      + mp
                      + "\"}}",
                  false))
          .as(mp)
          .isEqualTo(400);
    }
    assertThat(
            status(
                "{\"templateID\":\"t\",\"metadata\":{\""
                    + MetadataKeys.EXT_CSI_MOUNT_POINT
                    + "\":\"/x\"}}",
                false))
        .isEqualTo(400);
    assertThatThrownBy(
            () ->
                Extensions.split(
                    java.util.Map.of("agents.kruise.io/lock", "x"), Duration.ZERO, Duration.ZERO))
        .isInstanceOf(E2bException.class);
  }
}
