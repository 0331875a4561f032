package io.openkruise.agents.localcluster.kube;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemGenerationException;
import org.bouncycastle.util.io.pem.PemObjectGenerator;

/**
 * The throwaway PKI of one local cluster: a CA, the API server's serving certificate, an admin
 * client certificate in {@code system:masters}, and the service-account signing key. Everything
 * lives for a day and only in the cluster's temp dir.
 */
public final class Pki {
  /** Names and addresses the serving certificate is valid for. */
  static final List<String> SERVING_DNS_NAMES =
      List.of(
          "localhost",
          "kubernetes",
          "kubernetes.default",
          "kubernetes.default.svc",
          "kubernetes.default.svc.cluster.local");

  static final List<String> SERVING_IPS = List.of("127.0.0.1", "10.96.0.1");

  private static final Duration VALIDITY = Duration.ofDays(1);
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final KeyPair caKey;
  private final X509Certificate caCert;
  private final KeyPair servingKey;
  private final X509Certificate servingCert;
  private final KeyPair adminKey;
  private final X509Certificate adminCert;
  private final KeyPair serviceAccountKey;

  private Pki() {
    try {
      caKey = keyPair();
      X500Name ca = new X500Name("CN=kruise-agents-local-ca");
      caCert = sign(ca, caKey, ca, caKey, Role.CA);
      servingKey = keyPair();
      servingCert = sign(new X500Name("CN=kube-apiserver"), servingKey, ca, caKey, Role.SERVER);
      adminKey = rsaKeyPair();
      // O=system:masters is bound to cluster-admin by the API server's bootstrap policy.
      adminCert =
          sign(
              new X500Name("O=system:masters,CN=kruise-agents-admin"),
              adminKey,
              ca,
              caKey,
              Role.CLIENT);
      serviceAccountKey = keyPair();
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot generate the local cluster's certificates", e);
    }
  }

  /**
   * Algorithm of the admin client key, as client configurations name it ({@code client-key-algo}).
   * RSA because fabric8 mis-reads EC client keys from kubeconfigs; the other keys are P-256, which
   * generate in milliseconds where RSA takes a few hundred.
   */
  public static final String KEY_ALGORITHM = "RSA";

  /** Generates a fresh PKI (one RSA and three P-256 keys). */
  public static Pki generate() {
    return new Pki();
  }

  private enum Role {
    CA,
    SERVER,
    CLIENT
  }

  private static KeyPair rsaKeyPair() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048, new SecureRandom());
    return gen.generateKeyPair();
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    return gen.generateKeyPair();
  }

  private static X509Certificate sign(
      X500Name subject, KeyPair subjectKey, X500Name issuer, KeyPair issuerKey, Role role)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    Instant now = Instant.now();
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            issuer,
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            Date.from(now.minus(Duration.ofMinutes(5))),
            Date.from(now.plus(VALIDITY)),
            subject,
            subjectKey.getPublic());
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(
        Extension.subjectKeyIdentifier,
        false,
        ext.createSubjectKeyIdentifier(subjectKey.getPublic()));
    switch (role) {
      case CA -> {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      }
      case SERVER -> {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(
            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.subjectAlternativeName, false, servingNames());
      }
      case CLIENT -> {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(
            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      }
    }
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
  }

  private static GeneralNames servingNames() {
    GeneralName[] names = new GeneralName[SERVING_DNS_NAMES.size() + SERVING_IPS.size()];
    int i = 0;
    for (String dns : SERVING_DNS_NAMES) {
      names[i++] = new GeneralName(GeneralName.dNSName, dns);
    }
    for (String ip : SERVING_IPS) {
      names[i++] = new GeneralName(GeneralName.iPAddress, ip);
    }
    return new GeneralNames(names);
  }

  public X509Certificate caCert() {
    return caCert;
  }

  public X509Certificate adminCert() {
    return adminCert;
  }

  public X509Certificate servingCert() {
    return servingCert;
  }

  public String caCertPem() {
    return pem(caCert);
  }

  public String adminCertPem() {
    return pem(adminCert);
  }

  /**
   * SEC1 ({@code EC PRIVATE KEY}): fabric8 recognises EC keys by this header when a kubeconfig does
   * not name the algorithm; kubectl and Go read it too.
   */
  public String adminKeyPem() {
    return pem(adminKey.getPrivate());
  }

  /**
   * The serving certificate and key (127.0.0.1 among its names): also what the simulated node's log
   * endpoint presents, from a PKI of its own (the API server does not verify kubelets).
   */
  public Credentials servingCredentials() {
    return new Credentials(pem(servingCert), keyPem(servingKey.getPrivate()));
  }

  /** A certificate and its key, both PEM. */
  public record Credentials(String certPem, String keyPem) {}

  /**
   * A client certificate signed by the cluster CA, e.g. a kubelet's: {@code CN=system:node:<name>,
   * O=system:nodes} is what the Node authorizer recognises.
   */
  public Credentials issueClientCertificate(String commonName, String organization) {
    try {
      KeyPair key = keyPair();
      X500Name subject =
          new X500NameBuilder()
              .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.O, organization)
              .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, commonName)
              .build();
      X509Certificate cert =
          sign(
              subject,
              key,
              X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()),
              caKey,
              Role.CLIENT);
      return new Credentials(pem(cert), keyPem(key.getPrivate()));
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot issue a client certificate for " + commonName, e);
    }
  }

  /** The files the processes and clients read, all in {@code dir}. */
  public record Files(
      Path caCert,
      Path servingCert,
      Path servingKey,
      Path adminCert,
      Path adminKey,
      Path serviceAccountKey,
      Path serviceAccountPublicKey) {}

  /** Writes every certificate and key as PEM (keys as PKCS#8, owner-readable only). */
  public Files write(Path dir) {
    try {
      java.nio.file.Files.createDirectories(dir);
      Files f =
          new Files(
              dir.resolve("ca.crt"),
              dir.resolve("apiserver.crt"),
              dir.resolve("apiserver.key"),
              dir.resolve("admin.crt"),
              dir.resolve("admin.key"),
              dir.resolve("sa.key"),
              dir.resolve("sa.pub"));
      writeString(f.caCert(), pem(caCert));
      writeString(f.servingCert(), pem(servingCert));
      writeString(f.servingKey(), keyPem(servingKey.getPrivate()));
      writeString(f.adminCert(), pem(adminCert));
      writeString(f.adminKey(), adminKeyPem());
      writeString(f.serviceAccountKey(), keyPem(serviceAccountKey.getPrivate()));
      writeString(f.serviceAccountPublicKey(), pem(serviceAccountKey.getPublic()));
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeString(Path file, String content) throws IOException {
    java.nio.file.Files.writeString(file, content);
    file.toFile().setReadable(false, false);
    file.toFile().setReadable(true, true);
  }

  /** TLS context that trusts only this CA and presents the admin certificate. */
  public SSLContext adminSslContext() {
    try {
      char[] pw = "local".toCharArray();
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry(
          "admin", adminKey.getPrivate(), pw, new X509Certificate[] {adminCert, caCert});
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, pw);
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", caCert);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build the admin TLS context", e);
    }
  }

  private static String keyPem(PrivateKey key) {
    try {
      return pem(new JcaPKCS8Generator(key, null));
    } catch (PemGenerationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(Object o) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      if (o instanceof PemObjectGenerator gen) {
        w.writeObject(gen);
      } else {
        w.writeObject(o);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
