// Builds a base image (Docker "save" tar: manifest.json, config, one uncompressed layer) from
// Debian bookworm packages, without Docker, root or a container registry. Run as a single-file
// program by images/bin/base-image (which caches the result); Jib then uses it as `tar://...`.
//
// Why this way: the build machines reach Debian's archive and Maven Central but no container
// registry, so no base image can be pulled. Distroless images are made the same way: download the
// .deb closure of a few packages, verify each against the archive's index, unpack the data
// archives (no maintainer scripts run) and write one layer with fixed owners and timestamps.
//
//   java BaseImage.java FLAVOR OUT_TAR
//     FLAVOR java     glibc, libstdc++, zlib, CA certificates + a JRE jlink'd from the running JDK
//                     at /opt/java/openjdk (for the Quarkus services); no shell.
//     FLAVOR runtime  the above libraries + bash, dash (/bin/sh), coreutils, util-linux (script,
//                     setsid), bsdutils (script, for PTYs), mount, procps, findutils, grep, sed, gzip, tar and python3 (for the
//                     agent-runtime: process.Start commands and the code interpreter); no JRE (the
//                     agent-runtime bundle carries its own).
//     FLAVOR sandbox  an E2B-like sandbox (the main container of a pool, next to the agent-runtime
//                     sidecar): the runtime set + sudo, tini, curl, less, xz, unzip, pip and the
//                     code-interpreter packages (IPython kernel, numpy, pandas, matplotlib), all
//                     from Debian; user `user` (1000) with home /home/user and passwordless sudo;
//                     Python byte-compiled with the image's own interpreter; tagged
//                     localhost/kruise-agents/sandbox:r1 (SANDBOX_TAG). No JRE (the bundle's).
//   Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian),
//                DEBIAN_SECURITY_MIRROR (default http://deb.debian.org/debian-security),
//                DEB_CACHE (downloaded .debs, default next to OUT_TAR).
//   Needs GNU tar and xz on PATH (to unpack the archive's data.tar.xz and Packages.xz).
//
// Every file is owned by root except /home/nonroot and /home/user (65532, the user the images run
// as; 1000 in `sandbox`); every timestamp is 0; entries are sorted. The same package versions
// therefore give the same layer.
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

public class BaseImage {
  static final List<String> COMMON =
      List.of("base-files", "netbase", "libc6", "libgcc-s1", "libstdc++6", "zlib1g", "ca-certificates");
  static final List<String> RUNTIME =
      List.of(
          "bash", "dash", "coreutils", "util-linux", "bsdutils", "mount", "procps", "findutils", "grep", "sed",
          "gzip", "tar", "python3", "tzdata");
  // What a code-interpreter user expects on top of the runtime set (Depends only, no Recommends).
  static final List<String> SANDBOX =
      List.of(
          "sudo", "libpam-modules", "libpam-modules-bin", "libpam-runtime", "tini", "curl", "less",
          "xz-utils", "unzip", "python-is-python3", "python3-pip", "python3-venv", "python3-ipykernel",
          "ipython3", "python3-numpy", "python3-pandas", "python3-matplotlib",
          // Listed so that fonttools' `python3-scipy | python3-munkres` takes the small one: scipy
          // drags in pythran and with it gcc, g++ and the Boost headers (1 GB image, measured).
          "python3-munkres");
  // Also never unpacked in the sandbox: gdb (debugpy's attach-to-process only) and Tk (Pillow's
  // ImageTk, matplotlib's TkAgg; there is no display).
  static final Set<String> SANDBOX_EXCLUDED = Set.of("gdb", "python3-pil.imagetk", "python3-tk");
  /** The sandbox image's name: fixed, so that pools can use it with imagePullPolicy Never. */
  static final String SANDBOX_TAG = "localhost/kruise-agents/sandbox:r1";
  static final int SANDBOX_USER = 1000;
  // Never unpacked: package-management and configuration machinery that only maintainer scripts
  // use (nothing here runs them), plus perl, which only debconf needs.
  static final Set<String> EXCLUDED =
      Set.of(
          "debconf", "debconf-2.0", "perl-base", "dpkg", "install-info", "init-system-helpers",
          "adduser", "passwd", "login", "ucf", "sensible-utils", "libdebconfclient0", "openssl",
          "cdebconf", "debianutils-sysvinit", "usrmerge", "usr-is-merged");
  // Modules of the services' JRE: all of Java SE plus what Quarkus, Netty and the JDK reach
  // reflectively (Unsafe, EC crypto, DNS, zip file system, JFR, management, and jdk.random: the
  // operator SDK asks for the L32X64MixRandom generator by name, found by ImageEntrypointTest).
  static final String JRE_MODULES =
      "java.se,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.zipfs,jdk.jfr,"
          + "jdk.net,jdk.charsets,jdk.random";
  static final String JAVA_HOME = "/opt/java/openjdk";
  static final int NONROOT = 65532;

  record Pkg(String name, String version, String deps, String filename, String sha256, String base) {}

  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(30))
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !Set.of("java", "runtime", "sandbox").contains(args[0])) {
      System.err.println("usage: java BaseImage.java java|runtime|sandbox OUT_TAR");
      System.exit(2);
    }
    String flavor = args[0];
    Path out = Path.of(args[1]).toAbsolutePath();
    Path work = Files.createTempDirectory(out.getParent(), ".base-" + flavor + "-");
    try {
      build(flavor, out, work);
    } finally {
      deleteTree(work);
    }
  }

  static void build(String flavor, Path out, Path work) throws Exception {
    String mirror = env("DEBIAN_MIRROR", "http://deb.debian.org/debian");
    String security = env("DEBIAN_SECURITY_MIRROR", "http://deb.debian.org/debian-security");
    Path debCache = Path.of(env("DEB_CACHE", out.getParent().resolve("debs").toString()));
    Files.createDirectories(debCache);
    String arch = debianArch();

    // Later suites win: security updates over point-release updates over the release.
    Map<String, Pkg> index = new HashMap<>();
    Map<String, List<String>> provides = new HashMap<>();
    readIndex(mirror, "bookworm", arch, work, index, provides);
    readIndex(mirror, "bookworm-updates", arch, work, index, provides);
    readIndex(security, "bookworm-security", arch, work, index, provides);

    List<String> roots = new ArrayList<>(COMMON);
    if (!flavor.equals("java")) {
      roots.addAll(RUNTIME);
    }
    if (flavor.equals("sandbox")) {
      roots.addAll(SANDBOX);
    }
    Set<String> excluded = new TreeSet<>(EXCLUDED);
    if (flavor.equals("sandbox")) {
      excluded.addAll(SANDBOX_EXCLUDED);
    }
    List<Pkg> closure = resolve(roots, index, provides, excluded);
    log("%d packages: %s", closure.size(), String.join(" ", closure.stream().map(Pkg::name).toList()));

    Path rootfs = work.resolve("rootfs");
    Files.createDirectories(rootfs);
    int i = 0;
    for (Pkg p : closure) {
      i++;
      Path deb = fetchDeb(p, debCache, i, closure.size());
      unpack(deb, rootfs, work);
    }
    finish(flavor, rootfs, closure);
    if (flavor.equals("java")) {
      jlink(rootfs.resolve(JAVA_HOME.substring(1)));
    }
    if (flavor.equals("sandbox")) {
      sandbox(rootfs, arch);
    }
    writeImage(flavor, rootfs, out, arch, work);
  }

  // --- Debian index -------------------------------------------------------------------------

  static void readIndex(
      String base, String suite, String arch, Path work, Map<String, Pkg> index,
      Map<String, List<String>> provides)
      throws Exception {
    String url = base + "/dists/" + suite + "/main/binary-" + arch + "/Packages.xz";
    log("index %s", url);
    Path xz = work.resolve(suite + ".Packages.xz");
    download(url, xz);
    byte[] text = run(work, List.of("xz", "-dc", xz.toString()));
    for (String stanza : new String(text, StandardCharsets.UTF_8).split("\n\n")) {
      Map<String, String> f = fields(stanza);
      String name = f.get("Package");
      if (name == null) {
        continue;
      }
      String deps = String.join(",", nonNull(f.get("Pre-Depends")), nonNull(f.get("Depends")));
      index.put(name, new Pkg(name, f.get("Version"), deps, f.get("Filename"), f.get("SHA256"), base));
      for (String prov : nonNull(f.get("Provides")).split(",")) {
        String v = stripVersion(prov);
        if (!v.isEmpty()) {
          provides.computeIfAbsent(v, k -> new ArrayList<>()).add(name);
        }
      }
    }
  }

  static Map<String, String> fields(String stanza) {
    Map<String, String> f = new LinkedHashMap<>();
    String key = null;
    for (String line : stanza.split("\n")) {
      if (line.startsWith(" ") && key != null) {
        f.put(key, f.get(key) + "\n" + line);
      } else {
        int c = line.indexOf(':');
        if (c > 0) {
          key = line.substring(0, c);
          f.put(key, line.substring(c + 1).trim());
        }
      }
    }
    return f;
  }

  /** Dependency closure: for an `a | b` clause the first alternative that exists is taken. */
  static List<Pkg> resolve(
      List<String> roots, Map<String, Pkg> index, Map<String, List<String>> provides, Set<String> excluded) {
    Map<String, Pkg> chosen = new TreeMap<>();
    Deque<String> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      String name = todo.poll();
      if (chosen.containsKey(name) || excluded.contains(name)) {
        continue;
      }
      Pkg p = index.get(name);
      if (p == null) {
        throw new IllegalStateException("package not in the Debian index: " + name);
      }
      chosen.put(name, p);
      for (String clause : p.deps().split(",")) {
        if (clause.isBlank()) {
          continue;
        }
        String pick = null;
        for (String alt : clause.split("\\|")) {
          String n = stripVersion(alt);
          if (chosen.containsKey(n) || excluded.contains(n)) {
            pick = "";
            break;
          }
          if (pick == null && index.containsKey(n)) {
            pick = n;
          } else if (pick == null && provides.containsKey(n)) {
            pick = provides.get(n).get(0);
          }
        }
        if (pick == null) {
          throw new IllegalStateException(name + ": cannot satisfy '" + clause.trim() + "'");
        }
        if (!pick.isEmpty()) {
          todo.add(pick);
        }
      }
    }
    return new ArrayList<>(chosen.values());
  }

  static String stripVersion(String dep) {
    String s = dep.trim();
    int sp = s.indexOf(' ');
    if (sp >= 0) {
      s = s.substring(0, sp);
    }
    int colon = s.indexOf(':');
    return colon >= 0 ? s.substring(0, colon) : s;
  }

  // --- Packages ------------------------------------------------------------------------------

  static Path fetchDeb(Pkg p, Path cache, int n, int total) throws Exception {
    Path deb = cache.resolve(p.sha256() + ".deb");
    if (Files.exists(deb) && sha256(deb).equals(p.sha256())) {
      return deb;
    }
    log("[%d/%d] %s %s", n, total, p.name(), p.version());
    Path tmp = cache.resolve(p.sha256() + ".part");
    download(p.base() + "/" + p.filename(), tmp);
    String got = sha256(tmp);
    if (!got.equals(p.sha256())) {
      Files.deleteIfExists(tmp);
      throw new IOException(p.filename() + ": sha256 " + got + ", index says " + p.sha256());
    }
    Files.move(tmp, deb, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return deb;
  }

  /** A .deb is an ar archive; its data.tar.* member is unpacked with GNU tar. */
  static void unpack(Path deb, Path rootfs, Path work) throws Exception {
    byte[] ar = Files.readAllBytes(deb);
    String magic = new String(ar, 0, 8, StandardCharsets.US_ASCII);
    if (!magic.equals("!<arch>\n")) {
      throw new IOException(deb + ": not a .deb");
    }
    int pos = 8;
    while (pos + 60 <= ar.length) {
      String name = new String(ar, pos, 16, StandardCharsets.US_ASCII).trim();
      int size = Integer.parseInt(new String(ar, pos + 48, 10, StandardCharsets.US_ASCII).trim());
      int data = pos + 60;
      if (name.startsWith("data.tar")) {
        Path member = work.resolve(name.replace("/", ""));
        Files.write(member, java.util.Arrays.copyOfRange(ar, data, data + size));
        run(work, List.of("tar", "-xpf", member.toString(), "-C", rootfs.toString(), "--no-same-owner"));
        Files.delete(member);
        return;
      }
      pos = data + size + (size % 2);
    }
    throw new IOException(deb + ": no data.tar member");
  }

  /** What maintainer scripts would have done that the images need, and trimming. */
  static void finish(String flavor, Path rootfs, List<Pkg> closure) throws IOException {
    for (String junk :
        List.of("usr/share/man", "usr/share/info", "usr/share/lintian", "usr/share/locale",
            "usr/share/bug", "usr/share/menu", "var/cache", "var/log", "etc/cron.daily",
            "usr/share/common-licenses")) {
      deleteTree(rootfs.resolve(junk));
    }
    // Keep only the copyright notices of the documentation.
    Path doc = rootfs.resolve("usr/share/doc");
    if (Files.isDirectory(doc)) {
      try (Stream<Path> s = Files.walk(doc)) {
        for (Path f : s.sorted((a, b) -> b.compareTo(a)).toList()) {
          if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && !f.getFileName().toString().equals("copyright")
              || Files.isSymbolicLink(f)) {
            Files.delete(f);
          } else if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) && isEmptyDir(f)) {
            Files.delete(f);
          }
        }
      }
    }
    String shell = flavor.equals("java") ? "/sbin/nologin" : "/bin/bash";
    write(rootfs, "etc/passwd",
        "root:x:0:0:root:/root:" + shell + "\n"
            + "nonroot:x:" + NONROOT + ":" + NONROOT + ":nonroot:/home/nonroot:" + shell + "\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    write(rootfs, "etc/group", "root:x:0:\nnonroot:x:" + NONROOT + ":\nnogroup:x:65534:\n");
    write(rootfs, "etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\nnetworks: files\n");
    Files.createDirectories(rootfs.resolve("tmp"));
    Files.createDirectories(rootfs.resolve("root"));
    Files.createDirectories(rootfs.resolve("home/nonroot"));
    if (!flavor.equals("java")) {
      // The E2B default user's home: the runtime creates it at start-up, as 65532 when run alone.
      Files.createDirectories(rootfs.resolve("home/user"));
    }
    // update-ca-certificates, reduced: one bundle of the Mozilla roots.
    Path certs = rootfs.resolve("usr/share/ca-certificates/mozilla");
    if (Files.isDirectory(certs)) {
      StringBuilder bundle = new StringBuilder();
      try (Stream<Path> s = Files.list(certs)) {
        for (Path c : s.sorted().toList()) {
          bundle.append(Files.readString(c));
          if (bundle.charAt(bundle.length() - 1) != '\n') {
            bundle.append('\n');
          }
        }
      }
      write(rootfs, "etc/ssl/certs/ca-certificates.crt", bundle.toString());
    }
    if (!flavor.equals("java") && !Files.exists(rootfs.resolve("bin/sh"), LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("dash"));
    }
    StringBuilder list = new StringBuilder();
    for (Pkg p : closure) {
      list.append(p.name()).append(' ').append(p.version()).append('\n');
    }
    write(rootfs, "usr/share/kruise-agents/base-packages.txt", list.toString());
  }

  /**
   * The sandbox flavor's user, sudo and Python, done by hand because no maintainer script runs:
   * passwd/group/shadow (adduser's job), the PAM stacks pam-auth-update would write, a sudoers.d
   * drop-in (the packaged /etc/sudoers includes the directory), and byte-compiled Python (py3compile
   * would write the .pyc files; without them every import of numpy or pandas compiles, and the
   * user cannot write /usr's __pycache__).
   */
  static void sandbox(Path rootfs, String arch) throws Exception {
    String u = String.valueOf(SANDBOX_USER);
    write(rootfs, "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\n"
            + "user:x:" + u + ":" + u + "::/home/user:/bin/bash\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    write(rootfs, "etc/group",
        "root:x:0:\nsudo:x:27:user\nshadow:x:42:\nuser:x:" + u + ":\nnogroup:x:65534:\n");
    // No passwords ("*"): sudo needs none (NOPASSWD), and nobody can log in with one.
    write(rootfs, "etc/shadow",
        "root:*:19000:0:99999:7:::\nuser:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n");
    write(rootfs, "etc/sudoers.d/user", "user ALL=(ALL:ALL) NOPASSWD: ALL\n");
    write(rootfs, "etc/pam.d/common-auth",
        "auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\n"
            + "auth required pam_permit.so\n");
    write(rootfs, "etc/pam.d/common-account",
        "account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so\n"
            + "account requisite pam_deny.so\naccount required pam_permit.so\n");
    write(rootfs, "etc/pam.d/common-password",
        "password [success=1 default=ignore] pam_unix.so obscure yescrypt\n"
            + "password requisite pam_deny.so\npassword required pam_permit.so\n");
    String session = "session [default=1] pam_permit.so\nsession requisite pam_deny.so\n"
        + "session required pam_permit.so\nsession required pam_unix.so\n";
    write(rootfs, "etc/pam.d/common-session", session);
    write(rootfs, "etc/pam.d/common-session-noninteractive", session);
    write(rootfs, "etc/hostname", "sandbox\n");
    // sudo keeps its timestamps in /run/sudo and its lecture marks in /var/lib/sudo.
    Files.createDirectories(rootfs.resolve("run"));
    Files.createDirectories(rootfs.resolve("var/lib/sudo"));
    Files.createDirectories(rootfs.resolve("home/user/.config/matplotlib"));
    // No apt in the image, so nothing for pip to conflict with: `pip install` works as in E2B's
    // image (into ~/.local as user, system-wide with sudo).
    try (Stream<Path> s = Files.list(rootfs.resolve("usr/lib"))) {
      for (Path py : s.filter(d -> d.getFileName().toString().startsWith("python3.")).toList()) {
        Files.deleteIfExists(py.resolve("EXTERNALLY-MANAGED"));
      }
    }
    // update-alternatives, which the postinst scripts would run: numpy finds BLAS and LAPACK only
    // through these links.
    String lib = "usr/lib/" + (arch.equals("amd64") ? "x86_64-linux-gnu" : "aarch64-linux-gnu") + "/";
    Map<String, String> alternatives = new TreeMap<>(Map.of(
        lib + "libblas.so.3", "blas/libblas.so.3",
        lib + "liblapack.so.3", "lapack/liblapack.so.3",
        "usr/bin/awk", "gawk",
        "usr/bin/nawk", "gawk",
        "usr/bin/which", "which.debianutils",
        "usr/bin/pager", "less"));
    for (Map.Entry<String, String> alt : alternatives.entrySet()) {
      Path link = rootfs.resolve(alt.getKey());
      if (Files.exists(link.resolveSibling(alt.getValue())) && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, Path.of(alt.getValue()));
      }
    }
    // Debian's system-wide matplotlibrc asks for TkAgg, which is not here (and no display is).
    Path mplrc = rootfs.resolve("etc/matplotlibrc");
    if (Files.exists(mplrc)) {
      write(rootfs, "etc/matplotlibrc",
          Files.readString(mplrc).replaceFirst("(?m)^backend\\s*:.*$", "backend: Agg"));
    }
    compilePython(rootfs, arch);
  }

  /**
   * Runs the image's own python3 (through the image's dynamic loader and libraries, so no host
   * Python of the same version is needed) over the stdlib and dist-packages. unchecked-hash .pyc
   * files stay valid although the layer's timestamps are all 0.
   */
  static void compilePython(Path rootfs, String arch) throws Exception {
    String triplet = arch.equals("amd64") ? "x86_64-linux-gnu" : "aarch64-linux-gnu";
    Path loader = rootfs.resolve(arch.equals("amd64") ? "lib64/ld-linux-x86-64.so.2" : "lib/ld-linux-aarch64.so.1");
    Path python;
    try (Stream<Path> s = Files.list(rootfs.resolve("usr/bin"))) {
      python = s.filter(f -> f.getFileName().toString().matches("python3\\.\\d+")).findFirst().orElseThrow();
    }
    String version = python.getFileName().toString().substring("python".length());
    List<String> cmd = new ArrayList<>(List.of(
        loader.toString(), "--library-path",
        rootfs.resolve("lib/" + triplet) + ":" + rootfs.resolve("usr/lib/" + triplet),
        python.toString(), "-E", "-m", "compileall", "-q", "-j", "0", "-x", "/test/|/tests/|lib2to3/tests",
        "--invalidation-mode", "unchecked-hash", "-s", rootfs.toString(), "-p", "/"));
    cmd.add(rootfs.resolve("usr/lib/python" + version).toString());
    cmd.add(rootfs.resolve("usr/lib/python3/dist-packages").toString());
    log("byte-compiling Python %s with the image's interpreter", version);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(rootfs.toFile()).redirectErrorStream(true);
    pb.environment().put("PYTHONHOME", rootfs.resolve("usr").toString());
    pb.environment().put("SOURCE_DATE_EPOCH", "0");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    // compileall exits 1 when a file does not compile (a few packaged Python 2 leftovers); the
    // rest is compiled. Anything else (the interpreter did not start) is an error.
    int rc = p.waitFor();
    if (rc > 1) {
      throw new IOException("compileall failed (" + rc + "): " + out);
    }
    if (rc == 1) {
      log("compileall: some files did not compile:%n%s", out.lines().limit(10).reduce("", (a, b) -> a + "\n" + b));
    }
  }

  static void jlink(Path target) throws Exception {
    Path jdk = Path.of(System.getProperty("java.home"));
    Path jlink = jdk.resolve("bin/jlink");
    if (!Files.isExecutable(jlink)) {
      throw new IOException("no jlink in " + jdk + " (a JDK, not a JRE, must run this build)");
    }
    log("jlink %s from %s (%s)", JRE_MODULES, jdk, System.getProperty("java.runtime.version"));
    Files.createDirectories(target.getParent());
    run(target.getParent(), List.of(jlink.toString(), "--add-modules", JRE_MODULES,
        "--strip-debug", "--no-header-files", "--no-man-pages", "--output", target.toString()));
    // No class-data-sharing archive (-Xshare:dump): JDK 17 writes a different one on every run,
    // which would make the base layer irreproducible (measured: the only differing file).
  }

  // --- Image ---------------------------------------------------------------------------------

  // Modes dpkg would have set from the packages' tar headers: this builder writes 0755/0644 only
  // (an unprivileged tar extraction drops setuid bits). sudo refuses to run without its setuid bit
  // and refuses sudoers files that are group- or world-writable.
  static final Map<String, Integer> SPECIAL_MODES =
      Map.of(
          "usr/bin/sudo", 04755,
          "etc/sudoers", 0440,
          "etc/sudoers.d/README", 0440,
          "etc/sudoers.d/user", 0440,
          "etc/shadow", 0640);

  static int owner(String flavor, String name) {
    if (flavor.equals("sandbox")) {
      return name.equals("home/user") || name.startsWith("home/user/") ? SANDBOX_USER : 0;
    }
    return name.equals("home/nonroot") || name.equals("home/user") ? NONROOT : 0;
  }

  static void writeImage(String flavor, Path rootfs, Path out, String arch, Path work) throws Exception {
    Path layer = work.resolve("layer.tar");
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (OutputStream os = new java.security.DigestOutputStream(
        new java.io.BufferedOutputStream(Files.newOutputStream(layer), 1 << 16), digest)) {
      TarWriter tar = new TarWriter(os);
      try (Stream<Path> s = Files.walk(rootfs)) {
        for (Path p : s.sorted().toList()) {
          if (p.equals(rootfs)) {
            continue;
          }
          String name = rootfs.relativize(p).toString();
          int owner = owner(flavor, name);
          if (Files.isSymbolicLink(p)) {
            tar.symlink(name, Files.readSymbolicLink(p).toString());
          } else if (Files.isDirectory(p)) {
            int mode = name.equals("tmp") ? 01777 : name.equals("root") ? 0700
                : name.equals("etc/sudoers.d") ? 0750 : 0755;
            tar.dir(name + "/", mode, owner);
          } else {
            tar.file(name, SPECIAL_MODES.getOrDefault(name, mode(p)), Files.size(p), p);
          }
        }
      }
      tar.close();
    }
    String diffId = "sha256:" + HexFormat.of().formatHex(digest.digest());
    String config = flavor.equals("sandbox") ? sandboxConfig(arch, diffId) : baseConfig(flavor, arch, diffId);
    byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
    String configName = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(configBytes)) + ".json";
    String tag = flavor.equals("sandbox") ? SANDBOX_TAG : "kruise-agents-base-" + flavor + ":local";
    String manifest = "[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"" + tag
        + "\"],\"Layers\":[\"layer.tar\"]}]";
    Path tmpOut = out.resolveSibling(out.getFileName() + ".part");
    try (OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(tmpOut), 1 << 16)) {
      TarWriter tar = new TarWriter(os);
      tar.bytes(configName, configBytes);
      tar.file("layer.tar", 0644, Files.size(layer), layer);
      tar.bytes("manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
      tar.close();
    }
    Files.move(tmpOut, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    log("wrote %s (%d MB, layer %s)", out, Files.size(out) >> 20, diffId);
  }

  static String baseConfig(String flavor, String arch, String diffId) {
    String env = flavor.equals("java")
        ? "\"PATH=" + JAVA_HOME + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
            + "\"JAVA_HOME=" + JAVA_HOME + "\",\"LANG=C.UTF-8\""
        : "\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"LANG=C.UTF-8\"";
    return "{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\","
        + "\"config\":{\"Env\":[" + env + "],\"User\":\"" + NONROOT + ":" + NONROOT + "\",\"WorkingDir\":\"/\","
        + "\"Labels\":{\"io.openkruise.agents.base\":\"" + flavor + "\"}},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]},"
        + "\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"images/base/BaseImage.java "
        + flavor + " (Debian bookworm)\"}]}";
  }

  /**
   * Runs as user (1000) in /home/user; tini as PID 1 reaps what the sandbox's commands orphan and
   * passes SIGTERM on, `sleep infinity` keeps the container up: the agent-runtime daemon is started
   * by the pod's postStart hook from the sidecar's bundle, not by this image.
   */
  static String sandboxConfig(String arch, String diffId) {
    String u = SANDBOX_USER + ":" + SANDBOX_USER;
    return "{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\","
        + "\"config\":{\"Env\":[\"PATH=/home/user/.local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
        + "\"HOME=/home/user\",\"USER=user\",\"LANG=C.UTF-8\",\"MPLBACKEND=Agg\"],"
        + "\"Entrypoint\":[\"/usr/bin/tini\",\"--\"],\"Cmd\":[\"sleep\",\"infinity\"],"
        + "\"User\":\"" + u + "\",\"WorkingDir\":\"/home/user\","
        + "\"ExposedPorts\":{\"49983/tcp\":{},\"49999/tcp\":{}},"
        + "\"Labels\":{\"io.openkruise.agents.base\":\"sandbox\"}},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]},"
        + "\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"images/base/BaseImage.java "
        + "sandbox (Debian bookworm)\"}]}";
  }

  /** Minimal ustar writer; names or link targets over 100 bytes get a PAX header. */
  static final class TarWriter {
    final OutputStream os;

    TarWriter(OutputStream os) {
      this.os = os;
    }

    void dir(String name, int mode, int owner) throws IOException {
      header(name, mode, owner, 0, '5', "");
    }

    void symlink(String name, String target) throws IOException {
      header(name, 0777, 0, 0, '2', target);
    }

    void bytes(String name, byte[] content) throws IOException {
      header(name, 0644, 0, content.length, '0', "");
      os.write(content);
      pad(content.length);
    }

    void file(String name, int mode, long size, Path src) throws IOException {
      header(name, mode, 0, size, '0', "");
      try (InputStream in = Files.newInputStream(src)) {
        long n = in.transferTo(os);
        if (n != size) {
          throw new IOException(src + " changed while writing");
        }
      }
      pad(size);
    }

    void header(String name, int mode, int owner, long size, char type, String link) throws IOException {
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      byte[] l = link.getBytes(StandardCharsets.UTF_8);
      if (n.length > 100 || l.length > 100) {
        StringBuilder pax = new StringBuilder();
        if (n.length > 100) {
          pax.append(paxRecord("path", name));
        }
        if (l.length > 100) {
          pax.append(paxRecord("linkpath", link));
        }
        byte[] body = pax.toString().getBytes(StandardCharsets.UTF_8);
        raw("PaxHeaders/" + shorten(name), 0644, 0, body.length, 'x', "");
        os.write(body);
        pad(body.length);
      }
      raw(shorten(name), mode, owner, size, type, shorten(link));
    }

    static String shorten(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return b.length <= 100 ? s : new String(b, b.length - 90, 90, StandardCharsets.ISO_8859_1).replaceAll("[^ -~]", "_");
    }

    static String paxRecord(String key, String value) {
      String body = " " + key + "=" + value + "\n";
      int len = body.getBytes(StandardCharsets.UTF_8).length;
      int total = len + String.valueOf(len).length();
      if (String.valueOf(total).length() != String.valueOf(len).length()) {
        total++;
      }
      return total + body;
    }

    void raw(String name, int mode, int owner, long size, char type, String link) throws IOException {
      byte[] h = new byte[512];
      put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
      octal(h, 100, 8, mode);
      octal(h, 108, 8, owner);
      octal(h, 116, 8, owner);
      octal(h, 124, 12, size);
      octal(h, 136, 12, 0);
      java.util.Arrays.fill(h, 148, 156, (byte) ' ');
      h[156] = (byte) type;
      put(h, 157, 100, link.getBytes(StandardCharsets.UTF_8));
      put(h, 257, 8, "ustar\u000000".getBytes(StandardCharsets.US_ASCII));
      String ownerName = owner == 0 ? "root" : owner == SANDBOX_USER ? "user" : "nonroot";
      put(h, 265, 32, ownerName.getBytes(StandardCharsets.US_ASCII));
      put(h, 297, 32, ownerName.getBytes(StandardCharsets.US_ASCII));
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      octal(h, 148, 7, sum);
      os.write(h);
    }

    static void put(byte[] h, int off, int len, byte[] v) {
      System.arraycopy(v, 0, h, off, Math.min(len, v.length));
    }

    static void octal(byte[] h, int off, int len, long v) {
      String s = Long.toOctalString(v);
      while (s.length() < len - 1) {
        s = "0" + s;
      }
      put(h, off, len - 1, s.getBytes(StandardCharsets.US_ASCII));
    }

    void pad(long size) throws IOException {
      int r = (int) (size % 512);
      if (r != 0) {
        os.write(new byte[512 - r]);
      }
    }

    void close() throws IOException {
      os.write(new byte[1024]);
      os.flush();
    }
  }

  // --- Helpers -------------------------------------------------------------------------------

  static int mode(Path p) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
    return perms.contains(PosixFilePermission.OWNER_EXECUTE) ? 0755 : 0644;
  }

  static void download(String url, Path to) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<Path> r = HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).build(),
            HttpResponse.BodyHandlers.ofFile(to));
        if (r.statusCode() != 200) {
          throw new IOException("GET " + url + ": HTTP " + r.statusCode());
        }
        return;
      } catch (IOException e) {
        if (attempt >= 3) {
          throw e;
        }
        log("retrying %s: %s", url, e.getMessage());
        Thread.sleep(2000L * attempt);
      }
    }
  }

  static byte[] run(Path dir, List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(false).start();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread t = new Thread(() -> {
      try {
        p.getErrorStream().transferTo(err);
      } catch (IOException e) {
        // ignored
      }
    });
    t.start();
    byte[] outBytes = p.getInputStream().readAllBytes();
    int rc = p.waitFor();
    t.join();
    if (rc != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (" + rc + "): " + err);
    }
    return outBytes;
  }

  static String sha256(Path f) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  static String debianArch() {
    String a = System.getProperty("os.arch");
    return switch (a) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> throw new IllegalStateException("unsupported architecture " + a);
    };
  }

  static void write(Path rootfs, String rel, String content) throws IOException {
    Path f = rootfs.resolve(rel);
    Files.createDirectories(f.getParent());
    Files.deleteIfExists(f);
    Files.writeString(f, content);
  }

  static boolean isEmptyDir(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.findAny().isEmpty();
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted((a, b) -> b.compareTo(a)).toList()) {
        if (!Files.isSymbolicLink(f)) {
          f.toFile().setWritable(true);
        }
        Files.delete(f);
      }
    }
  }

  static String nonNull(String s) {
    return s == null ? "" : s;
  }

  static String env(String k, String def) {
    String v = System.getenv(k);
    return v == null || v.isBlank() ? def : v;
  }

  static void log(String fmt, Object... a) {
    System.err.println("[base-image] " + String.format(fmt, a));
  }
}
