package io.openkruise.agents.manager.config;

import io.openkruise.agents.api.security.SandboxSecrets;
import io.openkruise.agents.envd.EnvdPorts;
import io.openkruise.agents.manager.e2b.CreateRequest;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of the sandbox-manager, from application.properties, env or Helm values: the one config
 * mapping of the service. Plain-Java collaborators take it (or one of its groups) through their
 * constructors; tests build it with SmallRye Config from a map of properties.
 */
@ConfigMapping(prefix = "kruise")
public interface ManagerConfig {

  /** Namespace the system runs in (API key Secret, CSI node-publish Secrets). */
  @WithDefault("sandbox-system")
  String systemNamespace();

  /** Namespaces whose SandboxSets are served; empty means all. */
  Optional<List<String>> servedNamespaces();

  @WithName("e2b")
  E2b e2b();

  @WithName("runtime")
  Runtime runtime();

  @WithName("proxy")
  Proxy proxy();

  @WithName("security")
  Security security();

  interface Security {
    /**
     * The control-plane key every per-sandbox secret is derived from (env {@code
     * KRUISE_SANDBOX_KEY}, at least 32 characters); the controller-manager must hold the same.
     * Required: the service does not start without it.
     */
    Optional<String> sandboxKey();

    /** The sandbox key, or a start failure naming the property. */
    default String requiredSandboxKey() {
      return SandboxSecrets.requiredKey(sandboxKey());
    }
  }

  /** The data-plane reverse proxy into sandboxes (same listener as the API). */
  interface Proxy {
    /** Time to open a TCP connection to a sandbox port. */
    @WithDefault("10s")
    Duration connectTimeout();

    /**
     * A backend connection with no bytes in either direction for this long is closed. envd sends
     * keepalive events every 50 s on command streams, so any value above that never cuts a live
     * stream; 0 disables the limit.
     */
    @WithDefault("300s")
    Duration idleTimeout();

    /** Pooled HTTP/1.1 keep-alive connections per sandbox address (ip:port). */
    @WithDefault("64")
    int maxConnectionsPerSandbox();

    /**
     * Connect-on-traffic: a request for a paused sandbox that asked for it (E2B's create option
     * {@code autoResume}, or {@code e2b.agents.kruise.io/auto-resume: "true"} on the Sandbox or its
     * SandboxSet) resumes it and is held (at most {@code wait-ready-timeout}) until Ready. On by
     * default, as E2B's {@code autoResume} expects; false is the operator's switch that keeps every
     * paused sandbox asleep until it is connected.
     */
    @WithDefault("true")
    boolean connectOnTraffic();

    /** One log line per proxied request (category {@code io.openkruise.agents.proxy.access}). */
    @WithDefault("true")
    boolean accessLog();

    /**
     * Sandbox IDs a live read found nothing for, remembered so a repeated unknown ID (proxy or API)
     * costs the API server nothing; the informer drops an ID as soon as it sees it.
     */
    @WithDefault("10000")
    int negativeCacheSize();

    /** How long an unknown ID stays in the negative cache. */
    @WithDefault("30s")
    Duration negativeCacheTtl();

    /** Global rate of live API-server reads for IDs missing from the informer cache. */
    @WithDefault("20")
    double liveReadsPerSecond();

    /** Burst of live reads above {@code live-reads-per-second}. */
    @WithDefault("40")
    int liveReadBurst();

    /**
     * Before dialling {@code status.sandboxIp}, check that the pod with that IP still is the
     * sandbox's pod (UID and IP against an informer on sandbox pods): an IP reused by another pod
     * while the controller was down is never dialled. Needs pods get/list/watch.
     */
    @WithDefault("true")
    boolean verifyPodIdentity();
  }

  interface E2b {
    /** Must equal the clients' {@code E2B_DOMAIN}; echoed as {@code domain} in sandbox JSON. */
    @WithDefault("localhost")
    String domain();

    /** The initial admin key ({@code e2b_} + hex); required in prod, generated in dev/test. */
    Optional<String> adminApiKey();

    /** Secret in the system namespace holding the salted key hashes. */
    @WithDefault("e2b-key-store")
    String keySecretName();

    @WithName("auth")
    Auth auth();

    /** Sandbox timeout when a create does not send one. */
    @WithDefault("300s")
    Duration defaultTimeout();

    /** Largest timeout a create, connect or set-timeout may ask for. */
    @WithDefault("24h")
    Duration maxTimeout();

    /** How long a paused sandbox is kept before it is deleted. */
    @WithDefault("30d")
    Duration pausedRetention();

    /**
     * Read-your-writes waits (a write waiting up to 5 s for this replica's cache to show it) that
     * run at once on this replica; past it a write answers without waiting. Bounds the worker
     * threads a lagging watch can hold (docs/reliability.md, back-pressure).
     */
    @WithDefault("16")
    int cacheSettleBudget();

    /** How long a create waits for a warm sandbox; below the SDKs' 60 s request timeout. */
    @WithDefault("30s")
    Duration claimTimeout();

    /**
     * Whether a create finding the pool empty makes a new sandbox from the SandboxSet (and waits
     * for it to be Ready) instead of waiting for a warm one. On by default, as in the newest
     * original; a create may still choose with the {@code create-on-no-stock} extension.
     */
    @WithDefault("true")
    boolean createOnNoStock();

    /** Upper bound for the per-request {@code claim-timeout-seconds} extension. */
    @WithDefault("300s")
    Duration maxClaimTimeout();

    /** How long resume, image update or create-on-no-stock wait for the sandbox to be Ready. */
    @WithDefault("60s")
    Duration waitReadyTimeout();

    /** Upper bound for the per-request {@code wait-ready-timeout-seconds} extension (else 400). */
    @WithDefault("300s")
    Duration maxWaitReadyTimeout();

    /**
     * Largest request body of an E2B API route (413 above it). Traffic proxied into sandboxes (file
     * uploads) is not limited by it.
     */
    @WithDefault("1M")
    MemorySize maxRequestBody();

    @WithName("quota")
    Quota quota();

    /**
     * Tests only: sleep this long between the claim and the runtime's {@code /init}, so a test can
     * kill the process while its claims are unfinished (CrashedClaimsOnLocalClusterTest). Unset in
     * every real deployment.
     */
    Optional<Duration> testOnlyDelayBeforeInit();

    /**
     * A create that has run this long when its runtime is initialised writes the
     * runtime-initialized mark before it answers (and fails if the controller gave up on it
     * meanwhile); a faster one answers first and marks after. Keep it under half of the
     * controller's {@code kruise.controller.unfinished-claim-timeout}.
     */
    @WithDefault("20s")
    Duration initMarkSyncAfter();

    /** Pause between two claim passes while the pool is empty (jittered ±20 %). */
    @WithDefault("25ms")
    Duration claimRetryInterval();

    /** SDK default template names mapped to SandboxSet names. */
    Map<String, String> templateAliases();

    @WithName("csi")
    Csi csi();

    @WithName("network")
    Network network();

    /** The bounds a create request is parsed against. */
    default CreateRequest.Limits limits() {
      return new CreateRequest.Limits(
          defaultTimeout(), maxTimeout(), maxClaimTimeout(), maxWaitReadyTimeout());
    }
  }

  /**
   * What a sandbox's own NetworkPolicy (made from E2B {@code allow_internet_access} and {@code
   * network.allowOut/denyOut}) always keeps: the chart fills both from its {@code networkPolicy}
   * values so a sandbox's rules never open what the namespace policy closes.
   */
  interface Network {
    /**
     * Destinations no sandbox rule may open: excepted from every allowed block, and an {@code
     * allowOut} entry inside one is answered 400. The chart passes its metadata, control-plane and
     * pod CIDRs.
     */
    @WithDefault("169.254.169.254/32")
    List<String> deniedCidrs();

    /**
     * DNS servers that are not pods labelled {@code k8s-app=kube-dns} (a node-local cache, a DNS
     * server on the node): port 53 to them stays open, like the kube-dns pods.
     */
    Optional<List<String>> dnsCidrs();
  }

  /** Concurrently running sandboxes per API key (429 above); paused ones do not count. */
  interface Quota {
    /** Limit of every issued key; 0 means unlimited. */
    @WithDefault("100")
    int maxRunningPerKey();

    /** Limit of the admin key (and of everyone when auth is disabled); 0 means unlimited. */
    @WithDefault("1000")
    int maxRunningAdmin();
  }

  interface Auth {
    /** {@code false} makes every caller the fixed anonymous owner; only ever set explicitly. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Failed authentications a client address may have in a burst (bad API key; on the proxy a
     * missing or wrong envd/traffic token, or an unknown sandbox ID) before it gets 429.
     */
    @WithDefault("100")
    int failedBurst();

    /** Rate at which a client's failure allowance refills. */
    @WithDefault("10")
    double failedPerSecond();

    /** Client addresses tracked at once (least recently seen forgotten first). */
    @WithDefault("100000")
    int failedMaxClients();
  }

  interface Csi {
    /** CSI drivers a create may mount dynamically; empty allows none. */
    Optional<List<String>> allowedDrivers();

    default List<String> allowedDriverList() {
      return allowedDrivers().orElse(List.of());
    }
  }

  interface Runtime {
    /** Port of the runtime (envd) when a sandbox has no {@code runtime-url} annotation. */
    @WithDefault("" + EnvdPorts.ENVD)
    int port();

    /** Tries of {@code POST /init} before the claim is given up. */
    @WithDefault("5")
    int initAttempts();

    /** First pause between init tries; doubles each time. */
    @WithDefault("200ms")
    Duration initFirstBackoff();

    /** Timeout of one HTTP call to a runtime. */
    @WithDefault("5s")
    Duration requestTimeout();
  }
}
