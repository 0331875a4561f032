package io.openkruise.agents.manager.support;

/** Keys the {@code %test} profile configures (application.properties). */
public final class TestKeys {

  /** {@code %test.kruise.e2b.admin-api-key}: the admin API key of every Quarkus test. */
  public static final String ADMIN = "e2b_0000000000000000000000000000000000000001";

  private TestKeys() {}
}
