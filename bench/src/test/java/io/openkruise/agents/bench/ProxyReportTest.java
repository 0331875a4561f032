package io.openkruise.agents.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.openkruise.agents.testing.tier.UnitTier
class ProxyReportTest {

  @Test
  void comparesEachTargetWithNginxAndDirect(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("wrk.jsonl");
    Files.writeString(
        f,
        """
        {"requests":2000,"durationUs":1000000,"bytes":2000,"errors":0,"non2xx":0,"p50":100,"p90":200,"p99":1000,"p999":2000,"max":3000,"mean":1.0,"target":"direct","load":"small"}
        {"requests":1000,"durationUs":1000000,"bytes":1000,"errors":0,"non2xx":0,"p50":300,"p90":400,"p99":3000,"p999":4000,"max":5000,"mean":1.0,"target":"nginx","load":"small"}
        {"requests":800,"durationUs":1000000,"bytes":800,"errors":1,"non2xx":2,"p50":500,"p90":600,"p99":4000,"p999":5000,"max":6000,"mean":1.0,"target":"ours","load":"small"}
        """);
    List<ProxyReport.Row> rows = ProxyReport.read(f);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ProxyReport.table(rows, new PrintStream(out, true, StandardCharsets.UTF_8));
    String ours =
        out.toString(StandardCharsets.UTF_8)
            .lines()
            .filter(l -> l.contains("ours"))
            .findFirst()
            .orElseThrow();
    assertThat(ours).contains("80%").contains("+3.00").endsWith("3        -");
  }
}
