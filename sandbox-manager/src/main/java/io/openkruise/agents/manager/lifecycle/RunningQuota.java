package io.openkruise.agents.manager.lifecycle;

import io.openkruise.agents.api.MetadataKeys;
import io.openkruise.agents.api.claim.SandboxState;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.E2bException;
import io.openkruise.agents.manager.keys.Caller;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The per-key limit of concurrently running sandboxes. E2B counts running sandboxes for its
 * concurrency limit, so a sandbox counts from its claim (or its resume) until it is deleted or
 * paused; paused ones do not count, and resuming one needs a free slot.
 *
 * <p>The count is the informer cache's claimed, unpaused, undeleted sandboxes of the key plus the
 * creates and resumes in flight on this replica (a claim that waits has not reached the cache yet,
 * so without them a burst of parallel creates would all pass). Replicas do not share their
 * in-flight sets: with N replicas a key can overshoot by at most the creates in flight on the other
 * replicas at that moment; an exact count would need a shared counter (a CR write per create),
 * which the claim's one-write hot path does not pay for.
 */
public final class RunningQuota {

  /** A slot held by one create or resume until it ends; bind it once the sandbox is known. */
  public final class Reservation implements AutoCloseable {
    private final String owner;
    private volatile String sandbox;

    private Reservation(String owner) {
      this.owner = owner;
    }

    /** The sandbox this slot became (counted once, whether the cache already shows it or not). */
    public void bind(Sandbox s) {
      sandbox = key(s);
    }

    @Override
    public void close() {
      synchronized (RunningQuota.this) {
        Set<Reservation> mine = inFlight.get(owner);
        if (mine != null) {
          mine.remove(this);
          if (mine.isEmpty()) {
            inFlight.remove(owner);
          }
        }
      }
    }
  }

  private final int perKey;
  private final int admin;
  private final Function<String, List<Sandbox>> ownedBy;
  private final Map<String, Set<Reservation>> inFlight = new HashMap<>();

  /**
   * @param perKey limit of every issued key; 0 means unlimited
   * @param admin limit of the admin key (and of the anonymous caller when auth is off); 0 means
   *     unlimited
   * @param ownedBy the cached sandboxes of an owner (the cache's owner index)
   */
  public RunningQuota(int perKey, int admin, Function<String, List<Sandbox>> ownedBy) {
    if (perKey < 0 || admin < 0) {
      throw new IllegalArgumentException("quota limits must be 0 (unlimited) or positive");
    }
    this.perKey = perKey;
    this.admin = admin;
    this.ownedBy = ownedBy;
  }

  /** No limit at all (tests that do not exercise quotas). */
  public static RunningQuota unlimited() {
    return new RunningQuota(0, 0, owner -> List.of());
  }

  public int limitOf(Caller caller) {
    return caller.admin() ? admin : perKey;
  }

  /**
   * Takes a slot for a new running sandbox of {@code caller}.
   *
   * @param resuming the paused sandbox being resumed (not counted against itself), or null
   * @throws E2bException 429 when the key already runs its limit
   */
  public synchronized Reservation reserve(Caller caller, Sandbox resuming, Instant now) {
    int limit = limitOf(caller);
    Reservation r = new Reservation(caller.id());
    if (limit > 0) {
      Set<String> running = new HashSet<>();
      for (Sandbox s : ownedBy.apply(caller.id())) {
        if (counts(s, now)) {
          running.add(key(s));
        }
      }
      if (resuming != null) {
        running.remove(key(resuming));
      }
      int unbound = 0;
      for (Reservation other : inFlight.getOrDefault(caller.id(), Set.of())) {
        if (other.sandbox == null) {
          unbound++;
        } else {
          running.add(other.sandbox);
        }
      }
      if (running.size() + unbound >= limit) {
        throw new E2bException(
            429,
            "you have reached the maximum number of concurrently running sandboxes ("
                + limit
                + ") for this API key; kill or pause one first");
      }
    }
    inFlight.computeIfAbsent(caller.id(), k -> new HashSet<>()).add(r);
    return r;
  }

  /** Claimed, not paused, not being deleted, not past its shutdown time. */
  static boolean counts(Sandbox s, Instant now) {
    Map<String, String> labels = s.getMetadata().getLabels();
    if (labels == null || !"true".equals(labels.get(MetadataKeys.LABEL_SANDBOX_CLAIMED))) {
      return false;
    }
    if (s.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    if (s.getSpec() != null && s.getSpec().isPaused()) {
      return false;
    }
    String shutdown = s.getSpec() == null ? null : s.getSpec().getShutdownTime();
    return SandboxState.parseTime(shutdown).map(t -> t.isAfter(now)).orElse(true);
  }

  private static String key(Sandbox s) {
    return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
  }
}
