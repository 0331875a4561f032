package io.openkruise.agents.manager.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Failed authentication per client address: a bad API key on the API, and on the proxy a missing or
 * bad envd/traffic token or an unknown sandbox ID (the two must cost the same, or the limit itself
 * would tell which IDs exist). Each client has a token bucket; once it is empty the client gets 429
 * until it refills. Buckets live in a bounded cache, so a spray of source addresses cannot grow
 * memory. Counter {@code kruise.manager.auth.refused} counts 429 answers.
 */
public final class FailedAuthLimiter {

  private final Cache<String, TokenBucket> clients;
  private final int burst;
  private final double rate;
  private final LongSupplier nanos;
  private final Counter limited;

  public record Settings(int burst, double rate, int maxClients) {}

  public FailedAuthLimiter(Settings settings, MeterRegistry registry, LongSupplier nanos) {
    this.burst = Math.max(1, settings.burst());
    this.rate = settings.rate();
    this.nanos = nanos;
    // A bucket untouched for the time it takes to refill completely is full again: forget it.
    Duration idle =
        Duration.ofNanos(
            rate <= 0 ? Duration.ofHours(1).toNanos() : (long) Math.ceil(burst / rate * 1e9));
    this.clients =
        Caffeine.newBuilder()
            .maximumSize(Math.max(1, settings.maxClients()))
            .expireAfterAccess(idle)
            .ticker((Ticker) nanos::getAsLong)
            .executor(Runnable::run)
            .build();
    this.limited =
        Counter.builder("kruise.manager.auth.refused")
            .description("Requests answered 429 after too many failed authentications")
            .register(registry);
  }

  /** True when the client used up its failures: answer 429 without looking at anything else. */
  public boolean blocked(String client) {
    TokenBucket b = clients.getIfPresent(key(client));
    boolean blocked = b != null && b.empty(nanos.getAsLong());
    if (blocked) {
      limited.increment();
    }
    return blocked;
  }

  /** Records one failure of the client. */
  public void failed(String client) {
    clients
        .get(key(client), k -> new TokenBucket(burst, rate, nanos.getAsLong()))
        .tryTake(nanos.getAsLong());
  }

  private static String key(String client) {
    return client == null ? "" : client;
  }
}
