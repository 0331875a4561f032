package io.openkruise.agents.manager.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.openkruise.agents.api.v1alpha1.Sandbox;
import io.openkruise.agents.manager.e2b.MetricsQuery;
import io.openkruise.agents.manager.e2b.MetricsView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jboss.logging.Logger;

/**
 * Answers E2B's metrics routes from the sandboxes' runtimes: each runtime samples its sandbox into
 * a bounded ring (agent-runtime's {@code MetricsSampler}); this reads a range of one, or the latest
 * sample of many at once. Nothing is stored in the manager.
 */
public class MetricsReader {
  private static final Logger LOG = Logger.getLogger(MetricsReader.class);

  private final RuntimeClient runtime;

  public MetricsReader(RuntimeClient runtime) {
    this.runtime = runtime;
  }

  /**
   * The samples of a running sandbox in {@code range} (both ends set), as E2B metrics; none when
   * its runtime does not answer (starting, going away), as for a sandbox with no samples yet: a
   * metrics read is never the API's failure.
   */
  public List<Map<String, Object>> range(Sandbox s, MetricsQuery.Range range) {
    try {
      return runtime
          .metricSamples(s, range.start().orElseThrow(), range.end().orElseThrow())
          .join()
          .stream()
          .map(MetricsView::metric)
          .toList();
    } catch (CompletionException e) {
      LOG.infof("metrics of sandbox %s: %s", s.getMetadata().getName(), e.getCause());
      return List.of();
    }
  }

  /**
   * The latest sample of each running sandbox, keyed by E2B ID; a sandbox whose runtime does not
   * answer is left out, as one with no samples yet.
   */
  public Map<String, Map<String, Object>> latest(Map<String, Sandbox> byId) {
    Map<String, CompletableFuture<JsonNode>> pending = new LinkedHashMap<>();
    byId.forEach((id, s) -> pending.put(id, runtime.latestMetrics(s)));
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    pending.forEach(
        (id, f) -> {
          try {
            out.put(id, MetricsView.metric(f.join()));
          } catch (CompletionException e) {
            LOG.debugf("metrics of sandbox %s: %s", id, e.getCause());
          }
        });
    return out;
  }
}
