package io.openkruise.agents.runtime.interpreter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The Python with IPython and matplotlib that the interpreter tests run on: {@code
 * AGENT_RUNTIME_PYTHON} when set, else the cached venv of {@code
 * agent-runtime/bin/interpreter-venv} (made here when missing, as bin/test does first). Never a
 * silent skip: without it the tests fail.
 */
final class InterpreterPython {
  private static String path;

  private InterpreterPython() {}

  static synchronized String path() throws IOException, InterruptedException {
    if (path != null) {
      return path;
    }
    String env = System.getenv("AGENT_RUNTIME_PYTHON");
    if (env != null && !env.isBlank()) {
      return path = env;
    }
    Path script = Path.of("bin", "interpreter-venv").toAbsolutePath();
    Process p =
        new ProcessBuilder(script.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0 || out.isEmpty()) {
      throw new IllegalStateException(
          script + " failed: the code-interpreter tests need IPython (see its header)");
    }
    return path = out;
  }

  /** A wrapper that starts the same Python without site-packages: no IPython, the fallback. */
  static String withoutSitePackages(Path dir) throws IOException, InterruptedException {
    Path wrapper = dir.resolve("python-no-site");
    Files.writeString(wrapper, "#!/bin/sh\nexec '" + path() + "' -S \"$@\"\n");
    wrapper.toFile().setExecutable(true);
    return wrapper.toString();
  }
}
