package io.openkruise.agents.manager.lifecycle;

import io.openkruise.agents.manager.config.ManagerConfig;
import io.openkruise.agents.manager.e2b.CreateRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The lifecycle's settings as plain values (tests build them without Quarkus). */
public record Settings(
    String domain,
    String systemNamespace,
    Duration defaultTimeout,
    Duration maxTimeout,
    Duration pausedRetention,
    Duration claimTimeout,
    Duration maxClaimTimeout,
    Duration waitReadyTimeout,
    Duration claimRetryInterval,
    Map<String, String> templateAliases,
    List<String> allowedCsiDrivers,
    Duration maxWaitReadyTimeout) {

  /** Without a separate wait-ready maximum: the claim maximum bounds both extensions. */
  public Settings(
      String domain,
      String systemNamespace,
      Duration defaultTimeout,
      Duration maxTimeout,
      Duration pausedRetention,
      Duration claimTimeout,
      Duration maxClaimTimeout,
      Duration waitReadyTimeout,
      Duration claimRetryInterval,
      Map<String, String> templateAliases,
      List<String> allowedCsiDrivers) {
    this(
        domain,
        systemNamespace,
        defaultTimeout,
        maxTimeout,
        pausedRetention,
        claimTimeout,
        maxClaimTimeout,
        waitReadyTimeout,
        claimRetryInterval,
        templateAliases,
        allowedCsiDrivers,
        maxClaimTimeout);
  }

  public static Settings from(ManagerConfig c) {
    return new Settings(
        c.e2b().domain(),
        c.systemNamespace(),
        c.e2b().defaultTimeout(),
        c.e2b().maxTimeout(),
        c.e2b().pausedRetention(),
        c.e2b().claimTimeout(),
        c.e2b().maxClaimTimeout(),
        c.e2b().waitReadyTimeout(),
        c.e2b().claimRetryInterval(),
        Map.copyOf(c.e2b().templateAliases()),
        c.e2b().csi().allowedDrivers().orElse(List.of()),
        c.e2b().maxWaitReadyTimeout());
  }

  public CreateRequest.Limits limits() {
    return new CreateRequest.Limits(
        defaultTimeout, maxTimeout, maxClaimTimeout, maxWaitReadyTimeout);
  }
}
