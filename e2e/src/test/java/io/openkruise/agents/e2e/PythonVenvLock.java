package io.openkruise.agents.e2e;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;

/**
 * Makes sdk/python's venv one test JVM at a time: this module's classes run in two forks, and two
 * tests that need the venv on a fresh clone would otherwise both create it in the same directory. A
 * file lock under target/ (shared by the forks; the JDK's lock is per process, and the classes of
 * one fork run one after another).
 */
final class PythonVenvLock {

  private PythonVenvLock() {}

  static <T> T holding(Callable<T> makeVenv) throws Exception {
    Path lock = Path.of("target", "python-venv.lock").toAbsolutePath();
    Files.createDirectories(lock.getParent());
    try (FileChannel channel =
            FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = channel.lock()) {
      return makeVenv.call();
    }
  }
}
