package io.openkruise.agents.runtime.process;

import io.openkruise.agents.runtime.process.ProcessEvents.ExitInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One started command: its OS process (or an in-process builtin), the subscribers that receive its
 * output, and its stdin. Output that arrives while nobody is subscribed is dropped, as in envd.
 */
public final class ManagedProcess {
  private static final Logger LOG = Logger.getLogger(ManagedProcess.class.getName());

  /** Receives output and the end of the process; called from I/O threads. */
  public interface Listener {
    void onData(String stream, byte[] bytes, int length);

    void onEnd(ExitInfo exit);
  }

  private final long pid;
  private final StartSpec spec;
  private final Process process;
  private final OutputStream stdin;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<ExitInfo> exit = new CompletableFuture<>();
  private volatile Integer signalSent;
  private volatile boolean stdinClosed;
  private volatile Runnable builtinBody;

  ManagedProcess(long pid, StartSpec spec, Process process, boolean stdinOpen) {
    this.pid = pid;
    this.spec = spec;
    this.process = process;
    this.stdin = process != null && stdinOpen ? process.getOutputStream() : null;
    this.stdinClosed = stdin == null;
  }

  public long pid() {
    return pid;
  }

  public StartSpec spec() {
    return spec;
  }

  public boolean isPty() {
    return spec.pty() != null;
  }

  /** Completes with the exit once output is drained. */
  public CompletableFuture<ExitInfo> exit() {
    return exit;
  }

  public void subscribe(Listener l) {
    listeners.add(l);
  }

  public void unsubscribe(Listener l) {
    listeners.remove(l);
  }

  /** Starts the output pumps; call after the first subscriber is in place. */
  void startPumping() {
    if (process == null) {
      Runnable body = builtinBody;
      builtinBody = null;
      if (body != null) {
        IoThreads.POOL.execute(body);
      }
      return;
    }
    AtomicInteger open = new AtomicInteger(isPty() ? 1 : 2);
    Runnable drained =
        () -> {
          if (open.decrementAndGet() == 0) {
            process
                .onExit()
                .thenAccept(p -> finish(ExitInfo.fromExitValue(p.exitValue(), signalSent)));
          }
        };
    String outName = isPty() ? "pty" : "stdout";
    IoThreads.POOL.execute(() -> pump(process.getInputStream(), outName, drained));
    if (!isPty()) {
      IoThreads.POOL.execute(() -> pump(process.getErrorStream(), "stderr", drained));
    }
  }

  private void pump(InputStream in, String stream, Runnable done) {
    byte[] buf = new byte[32 * 1024];
    try (in) {
      int n;
      while ((n = in.read(buf)) > 0) {
        emit(stream, buf, n);
      }
    } catch (IOException e) {
      LOG.log(Level.FINE, "pipe closed", e);
    } finally {
      done.run();
    }
  }

  /** For builtins: what runs (on an I/O thread) once pumping starts. */
  void setBuiltinBody(Runnable body) {
    this.builtinBody = body;
  }

  void emit(String stream, byte[] bytes, int n) {
    byte[] copy = java.util.Arrays.copyOf(bytes, n);
    for (Listener l : listeners) {
      l.onData(stream, copy, n);
    }
  }

  void finish(ExitInfo info) {
    if (exit.complete(info)) {
      for (Listener l : listeners) {
        l.onEnd(info);
      }
      listeners.clear();
    }
  }

  /** Writes to stdin (or the PTY). */
  public synchronized void write(byte[] data) throws IOException {
    if (stdin == null || stdinClosed) {
      throw new IllegalStateException("stdin of process " + pid + " is not open");
    }
    stdin.write(data);
    stdin.flush();
  }

  /** Closes stdin so the process sees EOF. */
  public synchronized void closeStdin() throws IOException {
    if (stdin == null || stdinClosed) {
      return;
    }
    stdinClosed = true;
    stdin.close();
  }

  /** Sends a signal to the whole process group (the process is its group's leader). */
  public void signal(int sig) {
    // Members of the group may outlive the leader and still hold the pipes; signal until drained.
    if (process == null || exit.isDone()) {
      return;
    }
    if (process.isAlive()) {
      signalSent = sig;
    }
    ProcessGroups.signal(process, sig);
  }

  /** The OS process, or null for a builtin. */
  public Process osProcess() {
    return process;
  }

  public boolean isAlive() {
    return process == null ? !exit.isDone() : process.isAlive() || !exit.isDone();
  }
}
