package io.openkruise.agents.manager.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.cache.SandboxPodCache;
import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.guard.FailedAuthLimiter;
import io.openkruise.agents.manager.lifecycle.SandboxService;
import io.openkruise.agents.manager.routing.SandboxTrafficHandler;
import io.openkruise.agents.manager.routing.TrafficRouter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The data plane: every request {@link TrafficRouter} classifies as sandbox traffic passes {@link
 * ProxyAdmission} (port, credentials, sandbox state), maybe {@link ConnectOnTraffic}, and is then
 * forwarded by {@link ProxyForwarder} (or {@link WebSocketTunnel} for an upgrade) over one pooled
 * keep-alive client to the claimed sandbox's own pod IP; {@link ProxyObservability} records each.
 * Nothing else is ever dialled: the address comes from {@code status.sandboxIp} of a claimed,
 * Ready, unexpired sandbox, never from the request.
 *
 * <p>No oracle: to a caller without the sandbox's credentials (envd access token on the envd port
 * of a secure sandbox, traffic access token on the user ports of a private one) an existing sandbox
 * looks exactly like an unknown ID, the same 502 and body, and both count as a failed
 * authentication of the client ({@link FailedAuthLimiter}).
 */
@ApplicationScoped
public class SandboxProxy implements SandboxTrafficHandler {

  private static final Logger LOG = Logger.getLogger(SandboxProxy.class);

  /**
   * How long a request whose sandbox did not answer waits for the cache to show a kill before it
   * says "did not answer": a few watch round trips, and only on that failure path.
   */
  static final Duration BACKEND_FAILURE_GRACE = Duration.ofSeconds(2);

  private final HttpClient client;
  private final ProxyAdmission admission;
  private final ConnectOnTraffic connectOnTraffic;
  private final ProxyReplies replies;
  private final ProxyForwarder forwarder;
  private final WebSocketTunnel tunnel;
  private final ProxyObservability observability;
  private final PodIdentityCheck podIdentity;

  SandboxProxy(
      Vertx vertx,
      SandboxCache cache,
      SandboxPodCache pods,
      SandboxService service,
      FailedAuthLimiter failedAuth,
      ManagerConfig config,
      MeterRegistry registry,
      Clock clock) {
    ManagerConfig.Proxy proxy = config.proxy();
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setPipelining(false)
                .setMaxPoolSize(proxy.maxConnectionsPerSandbox())
                .setConnectTimeout((int) proxy.connectTimeout().toMillis())
                .setIdleTimeout((int) proxy.idleTimeout().toSeconds())
                .setDecompressionSupported(false));
    this.connectOnTraffic =
        new ConnectOnTraffic(
            vertx, cache, service, proxy.connectOnTraffic(), config.e2b().defaultTimeout());
    this.admission =
        new ProxyAdmission(
            vertx,
            cache,
            service.tokens(),
            failedAuth,
            connectOnTraffic,
            config.runtime().port(),
            clock);
    this.replies = new ProxyReplies(failedAuth);
    this.observability = new ProxyObservability(registry, proxy.accessLog());
    OpenStreams streams = new OpenStreams(clock);
    cache.onSandboxChange(streams::changed);
    this.forwarder =
        new ProxyForwarder(
            client,
            failedAuth,
            streams,
            id ->
                cache
                    .claimedCached(id)
                    .map(s -> OpenStreams.gone(SandboxState.of(s, clock.instant())))
                    .orElse(true),
            new GoneWithin(cache, clock, BACKEND_FAILURE_GRACE)::check);
    this.tunnel = new WebSocketTunnel(client, replies, observability);
    this.podIdentity =
        new PodIdentityCheck(
            vertx, proxy.verifyPodIdentity() ? Optional.of(pods) : Optional.empty());
  }

  @PreDestroy
  void close() {
    client.close();
  }

  @Override
  public void handle(RoutingContext rc, TrafficRouter.SandboxTraffic route) {
    HttpServerRequest req = rc.request();
    // Hold the body until the target is known; the proxy resumes it when it pipes to the origin.
    req.pause();
    ProxyTarget t = new ProxyTarget(route.sandboxId(), route.mode().tag());
    rc.addEndHandler(
        ar -> {
          if (ar.failed()) {
            t.callerGone();
          }
          observability.record(rc, t);
        });
    var refused =
        admission
            .port(t, route.port())
            .or(
                () -> {
                  String query = req.query();
                  t.path = route.path();
                  t.uri = query == null ? route.path() : route.path() + "?" + query;
                  return admission.client(req);
                });
    if (refused.isPresent()) {
      apply(rc, t, refused.get());
      return;
    }
    admission
        .lookup(route.sandboxId())
        .onSuccess(
            found -> {
              if (found.isEmpty()) {
                replies.notFound(rc, t);
              } else {
                apply(rc, t, admission.admit(req, t, found.get()));
              }
            });
  }

  private void apply(RoutingContext rc, ProxyTarget t, ProxyAdmission.Verdict verdict) {
    if (verdict instanceof ProxyAdmission.Admit) {
      forward(rc, t);
    } else if (verdict instanceof ProxyAdmission.Resume resume) {
      resumeThenAdmit(rc, t, resume.owner());
    } else if (verdict instanceof ProxyAdmission.Refuse r) {
      replies.refuse(rc, t, r.code(), r.outcome(), r.message());
    } else {
      replies.notFound(rc, t);
    }
  }

  private void resumeThenAdmit(RoutingContext rc, ProxyTarget t, String owner) {
    connectOnTraffic
        .resume(t.sandboxId, owner)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                LOG.infof("resumed sandbox=%s on traffic", t.sandboxId);
                Sandbox running = ar.result();
                if (admission.running(running)) {
                  apply(rc, t, admission.admit(rc.request(), t, running));
                } else {
                  replies.notFound(rc, t);
                }
              } else {
                // A resume that outlasts the wait-ready bound answers 504 naming the bound.
                E2bException e = ar.cause() instanceof E2bException x ? x : null;
                int code = e != null && e.status() == 504 ? 504 : 502;
                replies.refuse(
                    rc, t, code, "resume_failed", e != null ? e.getMessage() : "resume failed");
              }
            });
  }

  /** Only to the sandbox's own pod: an IP now held by another pod is an unknown sandbox. */
  private void forward(RoutingContext rc, ProxyTarget t) {
    podIdentity
        .verify(t.sandbox)
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result()) {
                dial(rc, t);
              } else {
                replies.notFound(rc, t);
              }
            });
  }

  private void dial(RoutingContext rc, ProxyTarget t) {
    if (WebSocketTunnel.isUpgrade(rc.request())) {
      tunnel.tunnel(rc, t);
    } else {
      forwarder.forward(rc.request(), t);
    }
  }
}
