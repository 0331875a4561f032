package io.openkruise.agents.runtime.interpreter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.runtime.process.ProcessGroups;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that leaves the moment its execution starts: the interrupt is sent before the driver has
 * even read the cell, when it still ignores SIGINT; the cell must be interrupted all the same.
 */
@io.openkruise.agents.testing.tier.UnitTier
class PythonContextInterruptTest {

  @Test
  void aCancelBeforeTheCellRunsStillInterruptsIt(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(ProcessGroups.available(), "needs process groups (setsid)");
    PythonContext ctx =
        new PythonContext("c", "python", dir.toString(), dir, InterpreterPython.path(), Map::of);
    try {
      // A first cell starts the interpreter, so the second's request is all that is in flight.
      ctx.execute("1", Map.of(), sink(new CopyOnWriteArrayList<>())).done().get(120, SECONDS);
      List<JsonNode> events = new CopyOnWriteArrayList<>();
      AtomicReference<PythonContext.Run> run = new AtomicReference<>();
      PythonContext.ExecutionSink leavesAtOnce =
          new PythonContext.ExecutionSink() {
            @Override
            public void started(int count) {
              // As the server's close handler does, off the caller's thread: it runs once the
              // request is written, before the driver reads it.
              new Thread(
                      () -> {
                        synchronized (ctx) {
                          // until the test thread has the run (it holds the lock until then)
                        }
                        ctx.cancel(run.get());
                      })
                  .start();
            }

            @Override
            public void event(JsonNode e) {
              events.add(e);
            }
          };
      synchronized (ctx) {
        // A long comment keeps the driver parsing the request while the first SIGINT arrives.
        String cell = "import time\ntime.sleep(20)\nprint('slept')\n#" + "x".repeat(20_000_000);
        run.set(ctx.execute(cell, Map.of(), leavesAtOnce));
      }
      run.get().done().get(120, SECONDS);
      // Without repeating SIGINT the cell slept its 20 s and printed; interrupted, it did not.
      assertThat(events)
          .anyMatch(e -> e.path("name").asText().equals("KeyboardInterrupt"))
          .noneMatch(e -> e.path("text").asText().contains("slept"));
    } finally {
      ctx.close();
    }
  }

  private static final TimeUnit SECONDS = TimeUnit.SECONDS;

  private static PythonContext.ExecutionSink sink(List<JsonNode> events) {
    return new PythonContext.ExecutionSink() {
      @Override
      public void started(int count) {}

      @Override
      public void event(JsonNode e) {
        events.add(e);
      }
    };
  }
}
