package io.openkruise.agents.bench;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.openkruise.agents.service.client.CertificateAuthRefresh;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs benchmark scenarios against a running system (bin/run-local; bench/bin/run starts one) and
 * writes the table to stdout, {@code results.json}, {@code table.txt} and PNG plots to {@code
 * --out}.
 *
 * <pre>
 * java -jar bench/target/bench-*.jar --managers "URL [URL...]" --api-key KEY --kubeconfig PATH
 *     [--audit-log PATH] [--manager-logs DIR] [--template code-interpreter] [--namespace default]
 *     [--out DIR] [--scenarios raw-patch,serial,burst,sustained,drain-refill,replicas] [--smoke]
 *     [--note TEXT] [--burst N] [--rate R] [--seconds T] [--serial N]
 *     [--system ours|go-original] [--watch-pids name=pid[,name=pid...]] [--fill-minutes M]
 *     [--pool P --concurrency C --warmup W --count N]   (scenario "large", not in the standard set)
 * </pre>
 *
 * <p>{@code --system go-original}: the pool is read as the Go original's Sandboxes (same group and
 * kind, its own status shape); the load is the same plain E2B REST. {@code --watch-pids}: process
 * groups whose CPU time and RSS each scenario records (read from /proc).
 *
 * <p>{@code --smoke}: the seconds-long check bin/test runs; exits 1 unless every create was
 * answered 2xx and no sandbox ID was handed out twice. It never judges timings.
 */
public final class BenchMain {

  static final List<String> STANDARD =
      List.of("raw-patch", "serial", "burst", "sustained", "drain-refill", "replicas");

  /**
   * Vert.x (under fabric8) warns when its event loop stalls; on a loaded 2-core machine class
   * loading alone does that. Kept here so the logger (and its level) is not collected.
   */
  private static final java.util.logging.Logger BLOCKED_THREAD_WARNINGS =
      java.util.logging.Logger.getLogger("io.vertx.core.impl.BlockedThreadChecker");

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    BLOCKED_THREAD_WARNINGS.setLevel(java.util.logging.Level.OFF);
    Map<String, String> opt = new LinkedHashMap<>();
    boolean smoke = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--smoke")) {
        smoke = true;
      } else if (args[i].startsWith("--") && i + 1 < args.length) {
        opt.put(args[i].substring(2), args[++i]);
      } else {
        System.err.println("bench: unexpected argument " + args[i]);
        System.exit(2);
      }
    }
    List<URI> managers =
        Arrays.stream(required(opt, "managers").trim().split("[ ,]+")).map(URI::create).toList();
    String template = opt.getOrDefault("template", "code-interpreter");
    String namespace = opt.getOrDefault("namespace", "default");
    Path auditLog = opt.containsKey("audit-log") ? Path.of(opt.get("audit-log")) : null;
    Path out = Path.of(opt.getOrDefault("out", "bench/results/latest"));
    List<String> scenarios =
        smoke
            ? List.of("smoke")
            : List.of(opt.getOrDefault("scenarios", String.join(",", STANDARD)).split(","));

    E2bRest api = new E2bRest(managers, required(opt, "api-key"), Duration.ofSeconds(120));
    Config config = Config.fromKubeconfig(Files.readString(Path.of(required(opt, "kubeconfig"))));
    // fabric8's 10 s default is too short for the first list on a loaded 2-core machine.
    config.setRequestTimeout(60_000);
    CertificateAuthRefresh.customize(config);
    List<ScenarioResult> results = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    Instant started = Instant.now();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        Pool pool =
            "go-original".equals(opt.get("system"))
                ? Pool.goOriginal(client, namespace, template)
                : Pool.ours(client, namespace, template)) {
      Scenarios s =
          new Scenarios(
              api,
              pool,
              client,
              auditLog,
              new ManagerLogs(
                  opt.containsKey("manager-logs") ? Path.of(opt.get("manager-logs")) : null),
              template,
              new ProcessUsage(opt.get("watch-pids")),
              Duration.ofMinutes(intOpt(opt, "fill-minutes", 4)));
      int burst = intOpt(opt, "burst", 20);
      double rate = Double.parseDouble(opt.getOrDefault("rate", "3"));
      int seconds = intOpt(opt, "seconds", 20);
      int serial = intOpt(opt, "serial", 40);
      for (String name : scenarios) {
        System.err.println("bench: scenario " + name);
        try {
          switch (name.trim()) {
            case "smoke" -> results.add(s.smoke(3, 4, 12));
            case "raw-patch" -> results.add(s.rawPatch(20, 200));
            case "serial" -> results.add(s.serial(10, 5, serial));
            case "burst" -> results.add(s.burst(burst));
            case "sustained" -> results.add(s.sustained(20, rate, seconds));
            case "drain-refill" -> results.add(s.drainRefill(10, 10));
            case "large" ->
                results.add(
                    s.large(
                        intOpt(opt, "pool", 1000),
                        intOpt(opt, "concurrency", 64),
                        intOpt(opt, "warmup", 64),
                        intOpt(opt, "count", 640)));
            case "replicas" -> {
              results.add(s.replicas(1, 20, 6, 3, 30));
              if (managers.size() > 1) {
                results.add(s.replicas(managers.size(), 20, 6, 3, 30));
              }
            }
            default -> {
              System.err.println("bench: unknown scenario " + name + "; known: " + STANDARD);
              System.exit(2);
            }
          }
        } catch (RuntimeException e) {
          // One broken scenario must not lose the others' results.
          System.err.println("bench: scenario " + name + " failed: " + e);
          failed.add(name + ": " + e.getMessage());
        }
      }
    }
    ByteArrayOutputStream table = new ByteArrayOutputStream();
    Report.table(results, new PrintStream(table, true, StandardCharsets.UTF_8));
    System.out.print(table.toString(StandardCharsets.UTF_8));
    Files.createDirectories(out);
    Files.writeString(out.resolve("table.txt"), table.toString(StandardCharsets.UTF_8));
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("started", started.toString());
    run.put("finished", Instant.now().toString());
    run.put("managers", managers.size());
    run.put("template", template);
    run.put("system", opt.getOrDefault("system", "ours"));
    run.put("processors", Runtime.getRuntime().availableProcessors());
    run.put("note", opt.getOrDefault("note", ""));
    run.put("failedScenarios", failed);
    Report.json(results, run, out.resolve("results.json"));
    if (!smoke) {
      Charts.cdf(results, out.resolve("latency-cdf.png"));
      for (ScenarioResult r : results) {
        if (r.counts() != null) {
          Charts.timeline(r, out.resolve(r.name().replace('/', '_') + "-timeline.png"));
        }
      }
    }
    System.err.println("bench: results in " + out.toAbsolutePath());
    if (!failed.isEmpty()) {
      failed.forEach(f -> System.err.println("bench: FAILED scenario " + f));
      System.exit(1);
    }
    if (smoke) {
      List<String> wrong = SmokeCheck.problems(results.get(0).counts());
      if (!wrong.isEmpty()) {
        wrong.forEach(w -> System.err.println("bench smoke: FAILED: " + w));
        System.exit(1);
      }
      System.err.println("bench smoke: ok (every create answered 2xx, no ID handed out twice)");
    }
  }

  private static String required(Map<String, String> opt, String key) {
    String v = opt.get(key);
    if (v == null || v.isBlank()) {
      System.err.println("bench: --" + key + " is required");
      System.exit(2);
    }
    return v;
  }

  private static int intOpt(Map<String, String> opt, String key, int dflt) {
    return Integer.parseInt(opt.getOrDefault(key, String.valueOf(dflt)));
  }
}
