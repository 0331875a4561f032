package io.openkruise.agents.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds live processes by process group, reading /proc (orphans are no longer our children). */
public final class Orphans {
  private Orphans() {}

  /** Pids of live (non-zombie) processes whose process group is {@code pgid}. */
  public static List<Long> inGroup(long pgid) {
    List<Long> result = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : ds) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          // Fields after the parenthesised command: state, ppid, pgrp, ...
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (!"Z".equals(f[0]) && Long.parseLong(f[2]) == pgid) {
            result.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException e) {
          // Exited while we looked.
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return result;
  }

  /**
   * Pids of live processes started by the runtime whose root is {@code root}: every sandbox process
   * carries {@code E2B_SANDBOX_ROOT=<root>} in its environment, even after it was reparented.
   */
  public static List<Long> withSandboxRoot(Path root) {
    byte[] needle = ("E2B_SANDBOX_ROOT=" + root + "\0").getBytes();
    List<Long> result = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : ds) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
            continue;
          }
          byte[] env = Files.readAllBytes(p.resolve("environ"));
          if (indexOf(env, needle) >= 0) {
            result.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException e) {
          // Exited or not ours to read.
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return result;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Waits up to {@code millis} for the group to be empty; returns what is left. */
  public static List<Long> awaitGone(long pgid, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    List<Long> left = inGroup(pgid);
    while (!left.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      left = inGroup(pgid);
    }
    return left;
  }
}
