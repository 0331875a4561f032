package io.openkruise.agents.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The proxy comparison's report (bench/bin/proxy-vs-nginx): reads wrk's JSON lines (one per target
 * and load), prints the table, writes {@code proxy.json}, {@code table.txt} and {@code proxy.png}
 * (requests/s and p50/p99 per target and load).
 *
 * <pre>java -cp bench.jar io.openkruise.agents.bench.ProxyReport WRK.jsonl OUT_DIR NOTE</pre>
 */
public final class ProxyReport {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ProxyReport() {}

  /** One wrk run. Latencies in ms. */
  record Row(
      String target,
      String load,
      long requests,
      double seconds,
      long bytes,
      long errors,
      long non2xx,
      double p50,
      double p90,
      double p99,
      double p999,
      double max,
      String loadAverageAfter,
      long apiServerRequests) {
    double perSecond() {
      return requests / seconds;
    }

    double mibPerSecond() {
      return bytes / seconds / 1048576.0;
    }
  }

  public static void main(String[] args) throws IOException {
    System.setProperty("java.awt.headless", "true");
    if (args.length < 2) {
      System.err.println("usage: ProxyReport WRK.jsonl OUT_DIR [NOTE]");
      System.exit(2);
    }
    List<Row> rows = read(Path.of(args[0]));
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    table(rows, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String table = buf.toString(StandardCharsets.UTF_8);
    System.out.print(table);
    Files.writeString(out.resolve("table.txt"), table);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("note", args.length > 2 ? args[2] : "");
    doc.put("runs", rows);
    JSON.enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("proxy.json").toFile(), doc);
    chart(rows, out.resolve("proxy.png"));
  }

  static List<Row> read(Path file) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = JSON.readTree(line);
      rows.add(
          new Row(
              n.get("target").asText(),
              n.get("load").asText(),
              n.get("requests").asLong(),
              n.get("durationUs").asLong() / 1e6,
              n.get("bytes").asLong(),
              n.get("errors").asLong(),
              n.get("non2xx").asLong(),
              n.get("p50").asLong() / 1000.0,
              n.get("p90").asLong() / 1000.0,
              n.get("p99").asLong() / 1000.0,
              n.get("p999").asLong() / 1000.0,
              n.get("max").asLong() / 1000.0,
              n.path("loadAverageAfter").asText(""),
              n.path("apiServerRequests").asLong(-1)));
    }
    return rows;
  }

  /** One row per target and load, with throughput relative to nginx and p99 added over direct. */
  static void table(List<Row> rows, PrintStream out) {
    out.printf(
        Locale.ROOT,
        "%-14s %-9s %9s %9s %8s %8s %8s %8s %9s %11s %7s %8s%n",
        "load",
        "target",
        "req/s",
        "MiB/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "vs nginx",
        "+p99 direct",
        "errors",
        "API req");
    for (Row r : rows) {
      Row nginx = find(rows, r.load(), "nginx");
      Row direct = find(rows, r.load(), "direct");
      out.printf(
          Locale.ROOT,
          "%-14s %-9s %9.0f %9.1f %8.2f %8.2f %8.2f %8.1f %9s %11s %7d %8s%n",
          r.load(),
          r.target(),
          r.perSecond(),
          r.mibPerSecond(),
          r.p50(),
          r.p90(),
          r.p99(),
          r.max(),
          nginx == null
              ? "-"
              : String.format(Locale.ROOT, "%.0f%%", 100 * r.perSecond() / nginx.perSecond()),
          direct == null ? "-" : String.format(Locale.ROOT, "%+.2f", r.p99() - direct.p99()),
          r.errors() + r.non2xx(),
          r.apiServerRequests() < 0 ? "-" : String.valueOf(r.apiServerRequests()));
    }
  }

  private static Row find(List<Row> rows, String load, String target) {
    return rows.stream()
        .filter(r -> r.load().equals(load) && r.target().equals(target))
        .findFirst()
        .orElse(null);
  }

  private static void chart(List<Row> rows, Path file) throws IOException {
    CombinedDomainCategoryPlot combined = new CombinedDomainCategoryPlot(new CategoryAxis("load"));
    DefaultCategoryDataset rate = new DefaultCategoryDataset();
    DefaultCategoryDataset p50 = new DefaultCategoryDataset();
    DefaultCategoryDataset p99 = new DefaultCategoryDataset();
    for (Row r : rows) {
      rate.addValue(r.perSecond(), r.target(), r.load());
      p50.addValue(r.p50(), r.target(), r.load());
      p99.addValue(r.p99(), r.target(), r.load());
    }
    CategoryPlot ratePlot = plot(rate, "requests/s");
    combined.add(ratePlot, 1);
    combined.add(plot(p50, "p50 ms"), 1);
    combined.add(plot(p99, "p99 ms"), 1);
    combined.setOrientation(PlotOrientation.VERTICAL);
    combined.setFixedLegendItems(ratePlot.getLegendItems()); // one entry per target
    JFreeChart chart =
        new JFreeChart(
            "Proxy: direct vs nginx vs ours", JFreeChart.DEFAULT_TITLE_FONT, combined, true);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 900);
  }

  /** Log scale: ours and nginx differ by orders of magnitude here; same colour per target. */
  private static CategoryPlot plot(DefaultCategoryDataset data, String axis) {
    BarRenderer bars = new BarRenderer();
    bars.setShadowVisible(false);
    bars.setBarPainter(new StandardBarPainter());
    for (int i = 0; i < data.getRowCount(); i++) {
      bars.setSeriesPaint(i, colour(data.getRowKey(i).toString()));
    }
    LogAxis y = new LogAxis(axis + " (log)");
    y.setSmallestValue(0.1);
    y.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
    return new CategoryPlot(data, null, y, bars);
  }

  private static Color colour(String target) {
    return switch (target) {
      case "direct" -> Color.GRAY;
      case "nginx" -> new Color(0x2e, 0x8b, 0x57);
      default -> new Color(0x1f, 0x4e, 0xb4);
    };
  }
}
