package io.openkruise.agents.manager.guard;

/**
 * A thread-safe token bucket: {@code capacity} tokens, refilled at {@code perSecond}. Written here
 * because the Quarkus platform manages no rate-limiting library and this is a dozen lines; the
 * clock is a parameter so tests never sleep.
 */
public final class TokenBucket {

  private final double capacity;
  private final double perNano;
  private double tokens;
  private long last;

  /**
   * @param capacity burst size (at least 1)
   * @param perSecond refill rate (0 = never refills)
   * @param nowNanos the caller's monotonic clock at creation
   */
  public TokenBucket(int capacity, double perSecond, long nowNanos) {
    if (capacity < 1 || perSecond < 0) {
      throw new IllegalArgumentException("capacity must be >= 1 and rate >= 0");
    }
    this.capacity = capacity;
    this.perNano = perSecond / 1e9;
    this.tokens = capacity;
    this.last = nowNanos;
  }

  /** Takes one token if there is one. */
  public synchronized boolean tryTake(long nowNanos) {
    refill(nowNanos);
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** True when no whole token is left (nothing taken). */
  public synchronized boolean empty(long nowNanos) {
    refill(nowNanos);
    return tokens < 1;
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - last;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * perNano);
      last = nowNanos;
    }
  }
}
