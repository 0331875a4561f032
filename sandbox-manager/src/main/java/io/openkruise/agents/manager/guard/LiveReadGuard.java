package io.openkruise.agents.manager.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Keeps lookups of unknown sandbox IDs off the API server. A miss in the informer index may be a
 * sandbox claimed through another replica a moment ago, so it earns one live read, but only when
 * (1) the ID is not in a bounded negative cache of recent misses (entries expire after a TTL and
 * are dropped as soon as the informer sees the ID) and (2) a global token bucket has a token. A
 * flood of random IDs therefore costs the API server at most the bucket's rate, whoever sends it.
 * Counters {@code kruise.manager.live_reads{outcome=allowed|refused|negative_cached}}.
 */
public final class LiveReadGuard {

  private final Cache<String, Boolean> misses;
  private final TokenBucket bucket;
  private final LongSupplier nanos;
  private final Counter allowed;
  private final Counter refused;
  private final Counter negative;

  public record Settings(
      int negativeCacheSize, Duration negativeCacheTtl, int burst, double rate) {}

  public LiveReadGuard(Settings settings, MeterRegistry registry, LongSupplier nanos) {
    this.nanos = nanos;
    this.misses =
        Caffeine.newBuilder()
            .maximumSize(Math.max(1, settings.negativeCacheSize()))
            .expireAfterWrite(settings.negativeCacheTtl())
            .ticker((Ticker) nanos::getAsLong)
            .executor(Runnable::run)
            .build();
    this.bucket =
        new TokenBucket(Math.max(1, settings.burst()), settings.rate(), nanos.getAsLong());
    this.allowed = counter(registry, "allowed");
    this.refused = counter(registry, "refused");
    this.negative = counter(registry, "negative_cached");
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder("kruise.manager.live_reads")
        .description(
            "Live API-server reads for sandbox IDs missing from the informer cache, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  /** May this miss be read live now? Counts the outcome. */
  public boolean mayRead(String id) {
    if (misses.getIfPresent(id) != null) {
      negative.increment();
      return false;
    }
    if (!bucket.tryTake(nanos.getAsLong())) {
      refused.increment();
      return false;
    }
    allowed.increment();
    return true;
  }

  /** A live read found nothing: remember it for the TTL. */
  public void missed(String id) {
    misses.put(id, Boolean.TRUE);
  }

  /** The informer saw the ID: it is no longer unknown. */
  public void seen(String id) {
    misses.invalidate(id);
  }
}
