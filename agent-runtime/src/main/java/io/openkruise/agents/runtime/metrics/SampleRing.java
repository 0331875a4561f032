package io.openkruise.agents.runtime.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The last {@code capacity} samples, oldest first; thread-safe. */
public final class SampleRing {
  private final ResourceSample[] slots;
  private int next;
  private int size;

  public SampleRing(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.slots = new ResourceSample[capacity];
  }

  public synchronized void add(ResourceSample s) {
    slots[next] = s;
    next = (next + 1) % slots.length;
    size = Math.min(size + 1, slots.length);
  }

  /** Samples with {@code fromMs <= timestamp <= toMs}, oldest first. */
  public synchronized List<ResourceSample> range(long fromMs, long toMs) {
    List<ResourceSample> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ResourceSample s = slots[(next - size + i + slots.length) % slots.length];
      if (s.timestampMs() >= fromMs && s.timestampMs() <= toMs) {
        out.add(s);
      }
    }
    return out;
  }

  public synchronized Optional<ResourceSample> latest() {
    return size == 0
        ? Optional.empty()
        : Optional.of(slots[(next - 1 + slots.length) % slots.length]);
  }
}
