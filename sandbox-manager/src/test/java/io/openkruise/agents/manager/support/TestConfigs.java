package io.openkruise.agents.manager.support;

import io.openkruise.agents.manager.config.ManagerConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;

/** The service's one config mapping built without Quarkus: defaults plus the given properties. */
public final class TestConfigs {

  private TestConfigs() {}

  /** {@code properties} are full keys, e.g. {@code kruise.e2b.claim-timeout=2s}. */
  public static ManagerConfig manager(Map<String, String> properties) {
    return new SmallRyeConfigBuilder()
        .withMapping(ManagerConfig.class)
        .withConverter(Duration.class, 200, new DurationConverter())
        .withConverter(MemorySize.class, 200, new MemorySizeConverter())
        .withSources(new PropertiesConfigSource(properties, "test", 500))
        .build()
        .getConfigMapping(ManagerConfig.class);
  }

  /**
   * The lifecycle tests' settings: defaults, with the claim and wait-for-Ready timeouts given and
   * both per-request maximums at 60 s.
   */
  public static ManagerConfig lifecycle(String claimTimeout, String waitReadyTimeout) {
    return manager(
        Map.of(
            "kruise.e2b.claim-timeout",
            claimTimeout,
            "kruise.e2b.wait-ready-timeout",
            waitReadyTimeout,
            "kruise.e2b.max-claim-timeout",
            "60s",
            "kruise.e2b.max-wait-ready-timeout",
            "60s"));
  }
}
