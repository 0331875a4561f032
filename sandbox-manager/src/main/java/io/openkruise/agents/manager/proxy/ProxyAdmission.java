package io.openkruise.agents.manager.proxy;

import io.openkruise.agents.api.claim.SandboxIds;
import io.openkruise.agents.api.claim.SandboxOwners;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.envd.EnvdHeaders;
import io.openkruise.agents.envd.RuntimeAddress;
import io.openkruise.agents.manager.cache.SandboxCache;
import io.openkruise.agents.manager.e2b.SandboxTokens;
import io.openkruise.agents.manager.guard.FailedAuthLimiter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Clock;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Who may pass: a valid port, a client that is not rate limited, a claimed sandbox with an owner,
 * the credentials that sandbox asks for, and a running state with an IP-literal address. Checks
 * credentials before anything that depends on the sandbox's state: without them, a paused, expired
 * or running sandbox all look like an unknown ID.
 */
final class ProxyAdmission {

  private static final Logger LOG = Logger.getLogger(ProxyAdmission.class);

  /** E2B's header for a private sandbox's user ports ({@code trafficAccessToken}). */
  static final String TRAFFIC_TOKEN_HEADER = "e2b-traffic-access-token";

  /** What to do with a request. */
  sealed interface Verdict {}

  /** Forward to {@link ProxyTarget#ip}. */
  record Admit() implements Verdict {}

  /** Paused and resumable: resume as {@code owner}, then admit again. */
  record Resume(String owner) implements Verdict {}

  /** Answer as for an unknown sandbox (one failed authentication of the client). */
  record NotFound() implements Verdict {}

  record Refuse(int code, String outcome, String message) implements Verdict {}

  private final Vertx vertx;
  private final SandboxCache cache;
  private final SandboxTokens tokens;
  private final FailedAuthLimiter failedAuth;
  private final ConnectOnTraffic connectOnTraffic;
  private final int envdPort;
  private final Clock clock;

  ProxyAdmission(
      Vertx vertx,
      SandboxCache cache,
      SandboxTokens tokens,
      FailedAuthLimiter failedAuth,
      ConnectOnTraffic connectOnTraffic,
      int envdPort,
      Clock clock) {
    this.vertx = vertx;
    this.cache = cache;
    this.tokens = tokens;
    this.failedAuth = failedAuth;
    this.connectOnTraffic = connectOnTraffic;
    this.envdPort = envdPort;
    this.clock = clock;
  }

  /** Before any lookup: a valid port (then set on {@code t}), or a refusal. */
  Optional<Refuse> port(ProxyTarget t, int port) {
    if (port < 1 || port > 65535) {
      return Optional.of(new Refuse(400, "bad_port", "sandbox port must be between 1 and 65535"));
    }
    t.port = port;
    return Optional.empty();
  }

  /** Before any lookup: a client the failed-authentication limiter has not blocked. */
  Optional<Refuse> client(HttpServerRequest req) {
    if (failedAuth.blocked(ProxyReplies.client(req))) {
      return Optional.of(new Refuse(429, "rate_limited", "too many failed requests; slow down"));
    }
    return Optional.empty();
  }

  /**
   * The claimed sandbox: from the cache, or on a miss (a create on another replica a moment ago)
   * maybe a live read off the event loop, which the cache's LiveReadGuard bounds. Empty when
   * unknown; a failed lookup answers the same, so an API-server hiccup tells no IDs apart.
   */
  Future<Optional<Sandbox>> lookup(String sandboxId) {
    Optional<Sandbox> cached = cache.claimedCached(sandboxId);
    if (cached.isPresent() || !SandboxIds.wellFormed(sandboxId)) {
      return Future.succeededFuture(cached);
    }
    return vertx
        .<Optional<Sandbox>>executeBlocking(() -> cache.claimed(sandboxId), false)
        .recover(
            err -> {
              LOG.warnf("sandbox lookup %s failed: %s", sandboxId, err.getMessage());
              return Future.succeededFuture(Optional.empty());
            });
  }

  /** Checks owner, credentials, state and address; fills in {@code t} on the way. */
  Verdict admit(HttpServerRequest req, ProxyTarget t, Sandbox s) {
    String owner = SandboxOwners.owner(s).orElse(null);
    if (owner == null) {
      return new NotFound();
    }
    t.accessToken = tokens.envdAccessToken(s);
    if (!authorized(req, t, s)) {
      return new NotFound();
    }
    t.secure = SandboxTokens.secure(s);
    SandboxState state = SandboxState.of(s, clock.instant());
    if (state == SandboxState.PAUSED && connectOnTraffic.applies(s)) {
      return new Resume(owner);
    }
    if (state == SandboxState.PAUSED) {
      return new Refuse(
          502, "paused", "sandbox " + t.sandboxId + " is paused; connect to resume it");
    }
    if (state != SandboxState.RUNNING) {
      return new NotFound();
    }
    String ip = s.getStatus() == null ? null : s.getStatus().getSandboxIp();
    // Only an IP literal: a hostname would let whoever writes the status pick what we dial.
    if (!RuntimeAddress.isIpLiteral(ip)) {
      return new NotFound();
    }
    t.ip = ip;
    t.sandbox = s;
    t.bootstrapToken = tokens.bootstrapToken(s);
    return new Admit();
  }

  /** Whether a resumed sandbox may now take the traffic that resumed it. */
  boolean running(Sandbox s) {
    return SandboxState.of(s, clock.instant()) == SandboxState.RUNNING;
  }

  /**
   * envd port: the envd access token of a secure sandbox (or a signed /files URL); user ports: the
   * traffic access token of a private sandbox; the code interpreter's port is left to the runtime.
   */
  private boolean authorized(HttpServerRequest req, ProxyTarget t, Sandbox s) {
    if (t.port != envdPort) {
      // User ports and the code interpreter (the SDKs send the traffic token there too); the
      // interpreter's envd token is checked by the runtime.
      String expected = tokens.trafficAccessToken(s);
      return expected.isEmpty()
          || EnvdAuth.sameToken(expected, req.getHeader(TRAFFIC_TOKEN_HEADER));
    }
    return EnvdAuth.allowed(
        t.accessToken,
        req.method().name(),
        t.path,
        req.getHeader(EnvdHeaders.ACCESS_TOKEN),
        req.getParam("signature"),
        req.getParam("path"),
        req.getParam("username"),
        req.getParam("signature_expiration"),
        clock.instant().getEpochSecond());
  }
}
