package io.openkruise.agents.manager.e2b;

import java.util.Optional;
import java.util.regex.Pattern;

/** E2B sandbox IDs are {@code <namespace>--<name>}: lowercase, fits a DNS label of the proxy. */
public final class SandboxIds {

  public static final String SEPARATOR = "--";

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  private SandboxIds() {}

  public record Ref(String namespace, String name) {
    public String id() {
      return format(namespace, name);
    }
  }

  public static String format(String namespace, String name) {
    return namespace + SEPARATOR + name;
  }

  /** Splits at the first {@code --}; empty for anything that cannot name a Sandbox. */
  public static Optional<Ref> parse(String id) {
    if (id == null) {
      return Optional.empty();
    }
    int at = id.indexOf(SEPARATOR);
    if (at <= 0) {
      return Optional.empty();
    }
    String ns = id.substring(0, at);
    String name = id.substring(at + SEPARATOR.length());
    if (!DNS_LABEL.matcher(ns).matches() || !DNS_SUBDOMAIN.matcher(name).matches()) {
      return Optional.empty();
    }
    return Optional.of(new Ref(ns, name));
  }
}
