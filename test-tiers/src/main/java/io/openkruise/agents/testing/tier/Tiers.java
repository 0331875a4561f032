package io.openkruise.agents.testing.tier;

/**
 * The JUnit tags of the test tiers (docs/testing.md). Select with {@code -Dtiers=unit,mock}; every
 * test class carries exactly one of {@link UnitTier}, {@link MockTier}, {@link ClusterTier} or
 * {@link E2eTier}.
 */
public final class Tiers {

  /** Plain objects, loopback servers and processes of this JVM's own code: no API server. */
  public static final String UNIT = "unit";

  /** fabric8's mock API server (Quarkus apps with {@code @WithKubernetesTestServer} included). */
  public static final String MOCK = "mock";

  /** A real API server: local-cluster (simulated or real node). */
  public static final String CLUSTER = "cluster";

  /** The built services, images or chart end to end (local cluster, real node, k3s). */
  public static final String E2E = "e2e";

  private Tiers() {}
}
