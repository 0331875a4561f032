package io.openkruise.agents.runtime.metrics;

import java.io.IOException;

/** Reads a sandbox's current {@link Usage}; blocking (files under /proc or /sys). */
public interface UsageReader {
  Usage read() throws IOException;
}
