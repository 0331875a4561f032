package io.openkruise.agents.localcluster.kube;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Lists the files of one class-path directory, whether it is a directory or inside a jar. */
final class ClasspathResources {
  private ClasspathResources() {}

  static List<URL> list(String dir, String suffix) {
    List<URL> out = new ArrayList<>();
    try {
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      if (cl == null) {
        cl = ClasspathResources.class.getClassLoader();
      }
      for (URL root : Collections.list(cl.getResources(dir))) {
        switch (root.getProtocol()) {
          case "file" -> out.addAll(fromDirectory(Path.of(root.toURI()), suffix));
          case "jar" -> out.addAll(fromJar(root, dir, suffix));
          default -> {
            // other schemes (e.g. Quarkus' memory class loader) are not expected for crds/
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    out.sort(Comparator.comparing(URL::toString));
    return out;
  }

  private static List<URL> fromDirectory(Path dir, String suffix) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix))
          .map(
              p -> {
                try {
                  return p.toUri().toURL();
                } catch (MalformedURLException e) {
                  throw new IllegalStateException(e);
                }
              })
          .toList();
    }
  }

  private static List<URL> fromJar(URL root, String dir, String suffix) throws IOException {
    JarURLConnection conn = (JarURLConnection) root.openConnection();
    conn.setUseCaches(false);
    List<URL> out = new ArrayList<>();
    try (JarFile jar = conn.getJarFile()) {
      String prefix = dir.endsWith("/") ? dir : dir + "/";
      String base = root.toString().substring(0, root.toString().indexOf("!/") + 2);
      jar.stream()
          .filter(e -> !e.isDirectory())
          .map(e -> e.getName())
          .filter(n -> n.startsWith(prefix) && n.indexOf('/', prefix.length()) < 0)
          .filter(n -> n.endsWith(suffix))
          .forEach(
              n -> {
                try {
                  out.add(new URL(base + n));
                } catch (MalformedURLException e) {
                  throw new IllegalStateException(e);
                }
              });
    }
    return out;
  }
}
