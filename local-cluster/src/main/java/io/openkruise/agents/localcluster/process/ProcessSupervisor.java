package io.openkruise.agents.localcluster.process;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The daemons of a local control plane or node: starts each with its output appended to {@code
 * <dir>/logs/<name>.log} and its pid on a {@link ProcessWatchdog}, waits for readiness with a
 * bounded timeout (failing with the log of whichever daemon died or stayed silent), and stops them
 * (one with a grace period, or all at once with SIGKILL). Used by {@code LocalKubernetes} (etcd,
 * kube-apiserver, kube-controller-manager) and {@code RealNode} (containerd, kubelet, kube-proxy,
 * CoreDNS, ...).
 */
public final class ProcessSupervisor {
  private final Path dir;
  private final Path logs;
  private final ProcessWatchdog watchdog;
  private final Duration startTimeout;
  private final Duration pollEvery;
  private final List<ChildProcess> children = new ArrayList<>();

  /**
   * @param dir working directory of the daemons; their logs go to {@code dir/logs}
   * @param watchdog kills them if this JVM dies first (the caller closes it)
   * @param startTimeout bound of each {@link #await} call
   * @param pollEvery how often {@link #await} checks
   */
  public ProcessSupervisor(
      Path dir, ProcessWatchdog watchdog, Duration startTimeout, Duration pollEvery) {
    try {
      this.logs = Files.createDirectories(dir.resolve("logs"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir, e);
    }
    this.dir = dir;
    this.watchdog = watchdog;
    this.startTimeout = startTimeout;
    this.pollEvery = pollEvery;
  }

  /** Starts {@code command} with stdin from /dev/null and stdout and stderr appended to its log. */
  public synchronized ChildProcess start(String name, List<String> command) {
    Path log = logs.resolve(name + ".log");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      watchdog.add(p.pid());
      ChildProcess c = new ChildProcess(name, p, log);
      children.add(c);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  /**
   * Polls {@code ready} until it holds. A {@link KubernetesClientException} from it counts as "not
   * yet" (the API server is still coming up).
   *
   * @param watched daemons whose death ends the wait at once
   * @throws ChildExitedException when one of {@code watched} exits, with the tail of its log
   * @throws IllegalStateException after the start timeout, with the tails of their logs
   */
  public void await(String what, BooleanSupplier ready, List<ChildProcess> watched) {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    while (true) {
      for (ChildProcess c : watched) {
        if (!c.process().isAlive()) {
          throw new ChildExitedException(c, what, c.tail(30));
        }
      }
      try {
        if (ready.getAsBoolean()) {
          return;
        }
      } catch (KubernetesClientException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline) {
        StringBuilder msg =
            new StringBuilder("timed out after " + startTimeout + " waiting for " + what);
        for (ChildProcess c : watched) {
          msg.append("\n  ").append(c.name()).append(" log:\n    ").append(c.tail(15));
        }
        throw new IllegalStateException(msg.toString());
      }
      try {
        Thread.sleep(pollEvery.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  /** SIGTERM, then SIGKILL once {@code grace} has passed. */
  public void stop(ChildProcess child, Duration grace) {
    Process p = child.process();
    p.destroy();
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      synchronized (this) {
        children.remove(child);
      }
      watchdog.remove(p.pid());
    }
  }

  /** SIGKILL, as a crash would end it, then waits for the exit; its log stays for a restart. */
  public void kill(ChildProcess child) {
    Process p = child.process();
    p.destroyForcibly();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(child.name() + " outlived SIGKILL for 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing " + child.name(), e);
    } finally {
      synchronized (this) {
        children.remove(child);
      }
      watchdog.remove(p.pid());
    }
  }

  /** Every daemon still alive, descendants included. */
  public synchronized List<ProcessHandle> alive() {
    return children.stream()
        .flatMap(c -> Stream.concat(Stream.of(c.process().toHandle()), c.process().descendants()))
        .filter(ProcessHandle::isAlive)
        .toList();
  }

  /** The last {@code lines} lines of every daemon's log, for failure messages. */
  public synchronized String logTails(int lines) {
    StringBuilder b = new StringBuilder();
    for (ChildProcess c : children) {
      b.append(c.name()).append(" (").append(c.log()).append("):\n    ").append(c.tail(lines));
      b.append('\n');
    }
    return b.toString();
  }

  /**
   * Kills every daemon and its descendants at once with SIGKILL and waits briefly for them to go.
   * Our daemons hold throwaway state, and a polite SIGTERM buys nothing but time: kube-apiserver
   * drains its watches for over ten seconds, and hangs when etcd went first.
   */
  public synchronized void killAll() {
    List<ProcessHandle> all = new ArrayList<>();
    for (ChildProcess c : children) {
      c.process().descendants().forEach(all::add);
      all.add(c.process().toHandle());
    }
    children.clear();
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // a zombie we cannot reap is not worth failing the teardown for
      }
    }
  }
}
