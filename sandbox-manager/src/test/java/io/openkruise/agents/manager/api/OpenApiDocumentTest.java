package io.openkruise.agents.manager.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The E2B API document (META-INF/openapi.yaml) is served without a key at {@code /openapi} in every
 * routing mode, and names exactly the routes the JAX-RS resources serve, so it cannot drift from
 * them; every documented error answer is the E2B error body.
 */
@QuarkusTest
@WithKubernetesTestServer
@io.openkruise.agents.testing.tier.MockTier
class OpenApiDocumentTest {

  static final List<Class<?>> RESOURCES =
      List.of(
          SandboxResource.class,
          TemplateResource.class,
          TeamResource.class,
          ApiKeyResource.class,
          HealthResource.class);

  private static JsonNode document(String path) throws Exception {
    String body =
        given().queryParam("format", "json").get(path).then().statusCode(200).extract().asString();
    return new ObjectMapper().readTree(body);
  }

  @Test
  void servedWithoutAKeyAsYamlAndJsonAlsoUnderThePrivatePrefix() throws Exception {
    assertThat(given().get("/openapi").then().statusCode(200).extract().asString())
        .contains("openapi: 3.0.3")
        .contains("/v2/sandboxes");
    assertThat(document("/openapi").path("info").path("title").asText()).contains("E2B");
    assertThat(document("/kruise/api/openapi").path("paths").has("/sandboxes")).isTrue();
    given().header("Host", "api.example.com").get("/openapi").then().statusCode(200);
  }

  @Test
  void documentsExactlyTheJaxRsRoutes() throws Exception {
    Set<String> served = new TreeSet<>();
    for (Class<?> resource : RESOURCES) {
      String base = resource.getAnnotation(Path.class).value();
      for (Method m : resource.getDeclaredMethods()) {
        String verb = verb(m);
        if (verb != null) {
          Path sub = m.getAnnotation(Path.class);
          served.add(verb + " " + normalize(base + "/" + (sub == null ? "" : sub.value())));
        }
      }
    }
    Set<String> documented = new TreeSet<>();
    JsonNode paths = document("/openapi").path("paths");
    for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> path = it.next();
      for (String verb : List.of("get", "post", "put", "delete", "patch")) {
        if (path.getValue().has(verb)) {
          documented.add(verb.toUpperCase(Locale.ROOT) + " " + normalize(path.getKey()));
        }
      }
    }
    assertThat(documented).isEqualTo(served);
  }

  @Test
  void everyErrorAnswerIsTheE2bErrorBody() throws Exception {
    JsonNode doc = document("/openapi");
    JsonNode error = doc.path("components").path("schemas").path("Error");
    assertThat(error.path("required").toString()).isEqualTo("[\"code\",\"message\"]");
    List<String> wrong = new ArrayList<>();
    doc.path("components")
        .path("responses")
        .fields()
        .forEachRemaining(
            r -> {
              if (r.getKey().equals("UriTooLong")) {
                return;
              }
              String ref =
                  r.getValue()
                      .path("content")
                      .path("application/json")
                      .path("schema")
                      .path("$ref")
                      .asText();
              if (!ref.equals("#/components/schemas/Error")) {
                wrong.add(r.getKey());
              }
            });
    for (JsonNode path : iterable(doc.path("paths"))) {
      for (JsonNode operation : iterable(path)) {
        for (Map.Entry<String, JsonNode> r : fields(operation.path("responses"))) {
          boolean failure = r.getKey().startsWith("4") || r.getKey().startsWith("5");
          String ref = r.getValue().path("$ref").asText();
          // 414 alone: the HTTP codec answers it before any route, without a body.
          boolean codec =
              r.getKey().equals("414") && ref.equals("#/components/responses/UriTooLong");
          if (failure && !codec && !ref.startsWith("#/components/responses/Error")) {
            wrong.add(operation.path("operationId").asText() + " " + r.getKey());
          }
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  private static Iterable<JsonNode> iterable(JsonNode node) {
    return node::elements;
  }

  private static Iterable<Map.Entry<String, JsonNode>> fields(JsonNode node) {
    return node::fields;
  }

  private static String verb(Method m) {
    for (Annotation a : m.getAnnotations()) {
      HttpMethod h = a.annotationType().getAnnotation(HttpMethod.class);
      if (h != null) {
        return h.value();
      }
    }
    return null;
  }

  /** {@code /sandboxes/{id}} and {@code sandboxes/{sandboxID}/} both become /sandboxes/{}. */
  static String normalize(String path) {
    String p = ("/" + path).replaceAll("/+", "/").replaceAll("\\{[^}]*}", "{}");
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }
}
