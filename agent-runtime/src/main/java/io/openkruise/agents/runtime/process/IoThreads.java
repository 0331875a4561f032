package io.openkruise.agents.runtime.process;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads for blocking pipe reads, shared by every runtime instance in the JVM. Idle threads
 * die after 30 s, so idle instances hold none.
 */
public final class IoThreads {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  public static final ExecutorService POOL =
      new ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          30,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(r, "agent-runtime-io-" + COUNTER.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  private IoThreads() {}
}
