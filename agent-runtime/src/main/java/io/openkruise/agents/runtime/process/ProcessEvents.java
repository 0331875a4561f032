package io.openkruise.agents.runtime.process;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openkruise.agents.runtime.connect.Json;
import java.util.Base64;

/** Builds {@code process.ProcessEvent} messages wrapped as {@code {"event": ...}}. Pure. */
public final class ProcessEvents {
  private ProcessEvents() {}

  public static ObjectNode start(long pid) {
    ObjectNode start = Json.object();
    start.put("pid", pid);
    return wrap("start", start);
  }

  /**
   * @param stream {@code stdout}, {@code stderr} or {@code pty}
   */
  public static ObjectNode data(String stream, byte[] bytes, int length) {
    ObjectNode data = Json.object();
    data.put(stream, Base64.getEncoder().encodeToString(slice(bytes, length)));
    return wrap("data", data);
  }

  public static ObjectNode keepalive() {
    return wrap("keepalive", Json.object());
  }

  public static ObjectNode end(ExitInfo exit) {
    ObjectNode end = Json.object();
    end.put("exitCode", exit.exitCode());
    end.put("exited", exit.exited());
    end.put("status", exit.status());
    if (exit.error() != null) {
      end.put("error", exit.error());
    }
    return wrap("end", end);
  }

  private static ObjectNode wrap(String kind, ObjectNode body) {
    ObjectNode event = Json.object();
    event.set(kind, body);
    ObjectNode msg = Json.object();
    msg.set("event", event);
    return msg;
  }

  private static byte[] slice(byte[] bytes, int length) {
    if (length == bytes.length) {
      return bytes;
    }
    byte[] copy = new byte[length];
    System.arraycopy(bytes, 0, copy, 0, length);
    return copy;
  }

  /**
   * How a process ended, in Go's {@code os.ProcessState} terms (what envd reports).
   *
   * @param exitCode exit status, or -1 when killed by a signal
   * @param exited false when a signal ended it
   * @param status {@code exit status N} or {@code signal: killed}
   * @param error same text as status when the process did not succeed, else null
   */
  public record ExitInfo(int exitCode, boolean exited, String status, String error) {

    /**
     * Interprets a Java exit value. Java reports a signal death as 128+N, indistinguishable from
     * {@code exit 128+N}; we call it a signal only when we sent one.
     */
    public static ExitInfo fromExitValue(int value, Integer signalSent) {
      if (signalSent != null && value == 128 + signalSent) {
        String status = "signal: " + signalName(signalSent);
        return new ExitInfo(-1, false, status, status);
      }
      String status = "exit status " + value;
      return new ExitInfo(value, true, status, value == 0 ? null : status);
    }

    static String signalName(int sig) {
      return switch (sig) {
        case 9 -> "killed";
        case 15 -> "terminated";
        case 2 -> "interrupt";
        case 1 -> "hangup";
        default -> "signal " + sig;
      };
    }
  }
}
