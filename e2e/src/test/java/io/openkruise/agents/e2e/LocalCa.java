package io.openkruise.agents.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A local CA and a certificate for {@code <host>} and {@code *.<host>} made with openssl, as an
 * operator following the seed steps would make them, the TLS Secret holding it ({@code kubectl
 * create secret tls}), and an HTTPS probe that trusts only this CA. Shared by the tests that put
 * the chart's Ingress behind a real Ingress controller.
 */
final class LocalCa {

  /** {@link #status}: the handshake failed, no certificate for the host signed by this CA. */
  static final int NO_CERTIFICATE = 0;

  private final Path dir;
  private final SSLContext trusting;

  private LocalCa(Path dir, SSLContext trusting) {
    this.dir = dir;
    this.trusting = trusting;
  }

  /** Makes the CA and the certificate for {@code host} and {@code *.host} in {@code dir}. */
  static LocalCa create(Path dir, String host) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("leaf.ext"),
        String.join(
            "\n",
            "basicConstraints=critical,CA:FALSE",
            "keyUsage=critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage=serverAuth",
            "subjectKeyIdentifier=hash",
            "authorityKeyIdentifier=keyid",
            "subjectAltName=DNS:" + host + ",DNS:*." + host,
            ""));
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-subj",
        "/CN=kruise-agents e2e local CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    openssl(
        dir,
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "tls.key",
        "-out",
        "tls.csr",
        "-subj",
        "/CN=" + host);
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        "tls.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "tls.crt",
        "-extfile",
        "leaf.ext");
    return new LocalCa(dir, sslContextTrusting(dir.resolve("ca.crt")));
  }

  /** The CA certificate (PEM), for SSL_CERT_FILE. */
  Path caFile() {
    return dir.resolve("ca.crt");
  }

  /** The certificate and key as a {@code kubernetes.io/tls} Secret. */
  Secret tlsSecret(String name) throws IOException {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withType("kubernetes.io/tls")
        .addToData("tls.crt", base64(dir.resolve("tls.crt")))
        .addToData("tls.key", base64(dir.resolve("tls.key")))
        .build();
  }

  /**
   * The status of one HTTPS GET to {@code address} with {@code host} as SNI and {@code
   * host:hostPort} as Host header, verified against this CA only; {@link #NO_CERTIFICATE} when the
   * handshake fails (e.g. the controller's default certificate).
   */
  int status(InetSocketAddress address, String host, int hostPort, String path, String apiKey)
      throws IOException {
    try (SSLSocket s =
        (SSLSocket)
            trusting.getSocketFactory().createSocket(address.getAddress(), address.getPort())) {
      SSLParameters params = s.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName(host)));
      params.setEndpointIdentificationAlgorithm("HTTPS");
      params.setApplicationProtocols(new String[] {"http/1.1"});
      s.setSSLParameters(params);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET "
                  + path
                  + " HTTP/1.1\r\nHost: "
                  + host
                  + ":"
                  + hostPort
                  + "\r\nX-API-Key: "
                  + apiKey
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int c; (c = in.read()) != -1 && c != '\n'; ) {
        line.append((char) c);
      }
      String[] parts = line.toString().split(" ");
      return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
    } catch (SSLHandshakeException e) {
      return NO_CERTIFICATE;
    }
  }

  private static SSLContext sslContextTrusting(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      store.setCertificateEntry(
          "local-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static void openssl(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("openssl %s: %s", command, out).isZero();
  }

  private static String base64(Path file) throws IOException {
    return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
  }
}
