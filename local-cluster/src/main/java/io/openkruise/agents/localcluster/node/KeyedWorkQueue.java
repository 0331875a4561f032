package io.openkruise.agents.localcluster.node;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A controller-style work queue: a key is never processed by two workers at once, and keys added
 * while they are being processed run once more afterwards (events coalesce instead of piling up).
 */
final class KeyedWorkQueue implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KeyedWorkQueue.class.getName());

  private final ArrayDeque<String> queue = new ArrayDeque<>();
  private final Set<String> dirty = new HashSet<>();
  private final Set<String> processing = new HashSet<>();
  private final Thread[] workers;
  private final ScheduledExecutorService timer;
  private boolean closed;

  KeyedWorkQueue(String name, int workers, Consumer<String> handler) {
    this.workers = new Thread[workers];
    for (int i = 0; i < workers; i++) {
      Thread t = new Thread(() -> work(handler), name + "-worker-" + i);
      t.setDaemon(true);
      this.workers[i] = t;
    }
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name + "-timer");
              t.setDaemon(true);
              return t;
            });
    for (Thread t : this.workers) {
      t.start();
    }
  }

  synchronized void add(String key) {
    if (closed || !dirty.add(key)) {
      return;
    }
    if (!processing.contains(key)) {
      queue.add(key);
      notify();
    }
  }

  /** An informer handler that adds the {@code namespace/name} key of every change. */
  <T extends HasMetadata> ResourceEventHandler<T> addingEveryChange() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        add(Cache.metaNamespaceKeyFunc(obj));
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        add(Cache.metaNamespaceKeyFunc(newObj));
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        add(Cache.metaNamespaceKeyFunc(obj));
      }
    };
  }

  void addAfter(String key, long delayMillis) {
    if (delayMillis <= 0) {
      add(key);
      return;
    }
    try {
      timer.schedule(() -> add(key), delayMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private synchronized String take() throws InterruptedException {
    while (queue.isEmpty() && !closed) {
      wait();
    }
    if (closed) {
      return null;
    }
    String key = queue.poll();
    dirty.remove(key);
    processing.add(key);
    return key;
  }

  private synchronized void done(String key) {
    processing.remove(key);
    if (dirty.contains(key) && !closed) {
      queue.add(key);
      notify();
    }
  }

  private void work(Consumer<String> handler) {
    while (true) {
      String key;
      try {
        key = take();
      } catch (InterruptedException e) {
        return;
      }
      if (key == null) {
        return;
      }
      try {
        handler.accept(key);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "reconcile of " + key + " failed; retrying in 1 s", e);
        addAfter(key, 1000);
      } finally {
        done(key);
      }
    }
  }

  /** Stops taking work and waits briefly for the workers to finish their current key. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      queue.clear();
      notifyAll();
    }
    timer.shutdownNow();
    for (Thread t : workers) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
