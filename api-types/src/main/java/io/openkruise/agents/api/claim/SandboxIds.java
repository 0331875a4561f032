package io.openkruise.agents.api.claim;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * E2B sandbox IDs: {@value #LENGTH} characters of {@code [a-z0-9]} from a CSPRNG (about 103 random
 * bits, the shape of E2B's own IDs), assigned at claim and stored in label {@code
 * agents.kruise.io/sandbox-id}. They say nothing about namespace or name, fit one DNS label in
 * {@code <port>-<id>.<domain>}, and cannot be guessed.
 */
public final class SandboxIds {

  public static final int LENGTH = 20;

  private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final Pattern SHAPE = Pattern.compile("[a-z0-9]{" + LENGTH + "}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private SandboxIds() {}

  /** A fresh ID. */
  public static String next() {
    char[] id = new char[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      id[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(id);
  }

  /** True when {@code id} could be an ID we issued; anything else is unknown without a lookup. */
  public static boolean wellFormed(String id) {
    return id != null && SHAPE.matcher(id).matches();
  }
}
