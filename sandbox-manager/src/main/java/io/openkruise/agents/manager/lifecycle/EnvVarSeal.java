package io.openkruise.agents.manager.lifecycle;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals the env vars of a create for the Sandbox annotation that brings them back to {@code /init}
 * after a resume: AES-256-GCM under a key derived (HMAC-SHA256, own purpose label) from the
 * control-plane sandbox key, a random 96-bit nonce per value, and the owning key's ID as associated
 * data, so a sealed value copied onto another owner's sandbox does not open. Whoever can {@code get
 * sbx} sees only ciphertext; the manager needs no access to Secrets in served namespaces. The JDK's
 * own AES-GCM is used: no library adds anything here.
 */
public final class EnvVarSeal {

  /** Format marker of a sealed value; anything else is refused (never read as plain text). */
  static final String PREFIX = "aesgcm1:";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;

  private EnvVarSeal(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /** The seal of the cluster whose control-plane key is {@code sandboxKey}. */
  public static EnvVarSeal fromSandboxKey(String sandboxKey) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(sandboxKey.strip().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return new EnvVarSeal(mac.doFinal("runtime-env-vars-seal".getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** A seal with a random key (tests and callers that never resume). */
  public static EnvVarSeal random() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return new EnvVarSeal(k);
  }

  public String seal(String owner, Map<String, String> env) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = c.doFinal(JSON.writeValueAsBytes(env));
      ByteBuffer out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed);
      return PREFIX + Base64.getEncoder().encodeToString(out.array());
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot seal env vars", e);
    }
  }

  /**
   * The env vars, or empty when the value is missing, not sealed by this key or not the owner's.
   */
  public Optional<Map<String, String>> open(String owner, String value) {
    if (value == null || !value.startsWith(PREFIX)) {
      return Optional.empty();
    }
    try {
      byte[] all = Base64.getDecoder().decode(value.substring(PREFIX.length()));
      if (all.length <= NONCE_BYTES) {
        return Optional.empty();
      }
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
      c.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
      byte[] plain = c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES);
      return Optional.of(JSON.readValue(plain, new TypeReference<Map<String, String>>() {}));
    } catch (GeneralSecurityException | IllegalArgumentException | java.io.IOException e) {
      return Optional.empty();
    }
  }
}
