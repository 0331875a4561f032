package io.openkruise.agents.manager.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.keys.Caller;
import io.openkruise.agents.manager.support.Fixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class RunningQuotaTest {

  final Caller key = new Caller("key-1", "k", false);
  final Caller admin = new Caller(Caller.ADMIN_ID, "admin", true);
  final List<Sandbox> owned = new ArrayList<>();
  final Instant now = Instant.parse("2026-01-01T00:00:00Z");

  private Sandbox running(String name) {
    Sandbox s = Fixtures.claimed("ns", name, "tpl", key.id(), "10.0.0.1");
    s.getSpec().setShutdownTime("2026-01-01T01:00:00Z");
    owned.add(s);
    return s;
  }

  private static void assert429(Runnable r) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(E2bException.class, e -> assertThat(e.status()).isEqualTo(429));
  }

  @Test
  void countsRunningSandboxesAndCreatesInFlight() {
    RunningQuota quota = new RunningQuota(2, 0, owner -> owned);
    running("a");
    RunningQuota.Reservation inFlight = quota.reserve(key, null, now);
    assert429(() -> quota.reserve(key, null, now));
    // Once the in-flight create's sandbox shows in the cache it is counted once, not twice.
    inFlight.bind(running("b"));
    assert429(() -> quota.reserve(key, null, now));
    inFlight.close();
    assert429(() -> quota.reserve(key, null, now));
    owned.remove(0);
    quota.reserve(key, null, now).close();
  }

  @Test
  void pausedDeletedAndExpiredSandboxesDoNotCount() {
    RunningQuota quota = new RunningQuota(1, 0, owner -> owned);
    running("paused").getSpec().setPaused(true);
    running("dying").getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
    running("expired").getSpec().setShutdownTime("2025-12-31T23:00:00Z");
    quota.reserve(key, null, now).close();
    // Resuming the paused one needs a slot; it does not count against itself.
    Sandbox other = running("other");
    assert429(() -> quota.reserve(key, owned.get(0), now));
    owned.remove(other);
    quota.reserve(key, owned.get(0), now).close();
  }

  @Test
  void zeroIsUnlimitedAndTheAdminHasItsOwnLimit() {
    RunningQuota quota =
        new RunningQuota(
            0,
            1,
            owner ->
                owned.stream()
                    .filter(
                        s ->
                            owner.equals(
                                s.getMetadata()
                                    .getAnnotations()
                                    .get(MetadataKeys.ANNOTATION_OWNER)))
                    .toList());
    for (int i = 0; i < 5; i++) {
      running("s" + i);
      quota.reserve(key, null, now).close();
    }
    RunningQuota.Reservation r = quota.reserve(admin, null, now);
    assert429(() -> quota.reserve(admin, null, now));
    r.close();
  }
}
