package io.openkruise.agents.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG plots of a run (JFreeChart, headless): the latency CDFs and one timeline per scenario. */
final class Charts {

  private Charts() {}

  /** Every scenario's latency CDF on one log-scaled axis. */
  static void cdf(List<ScenarioResult> results, Path file) throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (ScenarioResult r : results) {
      Histogram h = r.latency();
      if (h == null || h.getTotalCount() == 0) {
        continue;
      }
      XYSeries s = new XYSeries(r.name(), false, true);
      for (HistogramIterationValue v : h.recordedValues()) {
        s.add(
            Math.max(0.01, h.highestEquivalentValue(v.getValueIteratedTo()) / 1000.0),
            100.0 * v.getTotalCountToThisValue() / h.getTotalCount());
      }
      data.addSeries(s);
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            "Latency CDF",
            "latency (ms, log)",
            "percent of requests",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    XYPlot plot = chart.getXYPlot();
    LogAxis x = new LogAxis("latency (ms, log)");
    x.setSmallestValue(0.1);
    x.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
    plot.setDomainAxis(x);
    plot.setRenderer(new XYStepRenderer());
    style(plot);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 600);
  }

  /** Pool depth (left axis) and successful creates per second (right axis) over the scenario. */
  static void timeline(ScenarioResult r, Path file) throws IOException {
    XYSeries depth = new XYSeries("pool depth (claimable)");
    for (Pool.Sample s : r.pool()) {
      depth.add(s.seconds(), s.depth());
    }
    XYSeries rate = new XYSeries("creates answered 2xx per second");
    if (r.counts() != null) {
      for (Map.Entry<Long, Integer> e : r.counts().perSecond().entrySet()) {
        rate.add(e.getKey() + 0.5, e.getValue());
      }
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            r.name() + ": pool depth and claims/s",
            "seconds since the scenario started",
            "pool depth",
            new XYSeriesCollection(depth),
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    XYPlot plot = chart.getXYPlot();
    plot.setRenderer(0, new XYStepRenderer());
    NumberAxis right = new NumberAxis("creates/s");
    plot.setRangeAxis(1, right);
    plot.setDataset(1, new XYSeriesCollection(rate));
    plot.mapDatasetToRangeAxis(1, 1);
    XYLineAndShapeRenderer points = new XYLineAndShapeRenderer(true, true);
    points.setSeriesPaint(0, new Color(0xd62728));
    plot.setRenderer(1, points);
    style(plot);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 500);
  }

  private static void style(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    for (int i = 0; i < plot.getDatasetCount(); i++) {
      if (plot.getRenderer(i) != null) {
        for (int s = 0; s < 12; s++) {
          plot.getRenderer(i).setSeriesStroke(s, new BasicStroke(2f));
        }
      }
    }
  }
}
