package io.openkruise.agents.manager.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Key generation and hashing. Keys are {@code e2b_} + 40 hex chars: 160 random bits, the shape the
 * SDKs validate. A fast salted SHA-256 is enough here: with 160 bits of entropy a key cannot be
 * guessed from its hash, so a slow KDF (meant for low-entropy passwords) would only cost latency on
 * every request.
 */
public final class ApiKeys {

  public static final String PREFIX = "e2b_";
  private static final Pattern SHAPE = Pattern.compile("^e2b_[0-9a-f]{8,128}$");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private ApiKeys() {}

  public static String newKey() {
    byte[] b = new byte[20];
    RANDOM.nextBytes(b);
    return PREFIX + HEX.formatHex(b);
  }

  public static String newSalt() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HEX.formatHex(b);
  }

  public static boolean wellFormed(String key) {
    return key != null && SHAPE.matcher(key).matches();
  }

  /** SHA-256(salt || key), hex. */
  public static String hash(String salt, String key) {
    return HEX.formatHex(sha256(salt + key));
  }

  /**
   * Unsalted 64-bit prefix of SHA-256(key): finds the stored entry without hashing with every salt.
   * Reveals nothing usable about a 160-bit random key.
   */
  public static String hint(String key) {
    return HEX.formatHex(sha256(key), 0, 8);
  }

  /** Constant-time comparison, so timing does not leak how much of a hash matched. */
  public static boolean sameHash(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }

  /** E2B's {@code IdentifierMaskingDetails}. */
  public static Map<String, Object> mask(String key) {
    String value = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("prefix", PREFIX);
    m.put("valueLength", value.length());
    m.put("maskedValuePrefix", value.substring(0, Math.min(2, value.length())));
    m.put("maskedValueSuffix", value.substring(Math.max(0, value.length() - 4)));
    return m;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
