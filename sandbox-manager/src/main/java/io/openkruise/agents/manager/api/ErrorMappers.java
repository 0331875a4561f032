package io.openkruise.agents.manager.api;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.e2b.ErrorBody;
import io.openkruise.agents.manager.network.InvalidNetworkRules;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place exceptions become API responses: always E2B's {@code {"code", "message"}} JSON
 * ({@link ErrorBody}, which the router and the proxy use too).
 */
public class ErrorMappers {

  private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

  static Response json(int code, String message) {
    String text = message == null ? Response.Status.fromStatusCode(code) + "" : message;
    return Response.status(code)
        .type(MediaType.APPLICATION_JSON_TYPE)
        .entity(ErrorBody.of(code, text))
        .build();
  }

  @ServerExceptionMapper
  public Response e2b(E2bException e) {
    if (e.status() >= 500) {
      LOG.warnf("answering %d: %s", e.status(), e.getMessage());
    }
    return json(e.status(), e.getMessage());
  }

  /** Egress rules refused: the message names the field. */
  @ServerExceptionMapper
  public Response networkRules(InvalidNetworkRules e) {
    return json(400, e.getMessage());
  }

  /** Unknown method, media type and the like from the framework. */
  @ServerExceptionMapper
  public Response web(WebApplicationException e) {
    int code = e.getResponse() == null ? 500 : e.getResponse().getStatus();
    return json(code, e.getMessage());
  }

  @ServerExceptionMapper
  public Response kubernetes(KubernetesClientException e) {
    LOG.warnf("Kubernetes API error %d: %s", e.getCode(), e.getMessage());
    if (e.getCode() == 404) {
      return json(404, "not found");
    }
    if (e.getCode() == 409) {
      return json(409, "changed concurrently; try again");
    }
    return json(503, "Kubernetes API unavailable: " + e.getStatus());
  }

  /**
   * A body without a Content-Length that grew past {@code quarkus.http.limits.max-body-size} while
   * RESTEasy read it (bodies with one are refused earlier by {@link RequestBodyLimit}).
   */
  @ServerExceptionMapper
  public Response unreadable(IOException e) {
    if ("Request too large".equals(e.getMessage())) {
      return json(413, "request body too large");
    }
    return unexpected(e);
  }

  /** Anything unexpected: logged with its stack trace, never shown to the client. */
  @ServerExceptionMapper
  public Response unexpected(Throwable e) {
    LOG.error("unexpected error", e);
    return json(500, "internal error");
  }
}
