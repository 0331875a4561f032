package io.openkruise.agents.manager.e2b;

import io.openkruise.agents.api.claim.SandboxState;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /v2/sandboxes} query: state and metadata filters, and keyset pagination ordered by
 * start time (newest first), then sandbox ID.
 */
public record ListQuery(
    Set<SandboxState> states, Map<String, String> metadata, int limit, Optional<Cursor> after) {

  public static final int MAX_LIMIT = 100;

  /** Position of the last item of a page. */
  public record Cursor(Instant startedAt, String sandboxId) {
    public String encode() {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString((startedAt + "__" + sandboxId).getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String token) {
      try {
        String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        int sep = raw.indexOf("__");
        if (sep <= 0) {
          throw new IllegalArgumentException("no separator");
        }
        return new Cursor(Instant.parse(raw.substring(0, sep)), raw.substring(sep + 2));
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw E2bException.badRequest("invalid nextToken");
      }
    }
  }

  /** One item as far as filtering and ordering care. */
  public record Item<T>(
      T value,
      String sandboxId,
      Instant startedAt,
      SandboxState state,
      Map<String, String> metadata) {}

  public record Page<T>(List<T> items, Optional<String> nextToken) {}

  /**
   * @param state every {@code state} query value (each may be a comma list)
   * @param metadata the {@code metadata} value as the framework decoded it once
   */
  public static ListQuery parse(
      List<String> state, String metadata, String limit, String nextToken) {
    Set<SandboxState> states = EnumSet.noneOf(SandboxState.class);
    if (state != null) {
      for (String v : state) {
        for (String s : v.split(",")) {
          switch (s.trim()) {
            case "running" -> states.add(SandboxState.RUNNING);
            case "paused" -> states.add(SandboxState.PAUSED);
            case "" -> {}
            default -> throw E2bException.badRequest("invalid state " + s.trim());
          }
        }
      }
    }
    if (states.isEmpty()) {
      states = EnumSet.of(SandboxState.RUNNING, SandboxState.PAUSED);
    }
    int n = MAX_LIMIT;
    if (limit != null && !limit.isEmpty()) {
      try {
        n = Integer.parseInt(limit.trim());
      } catch (NumberFormatException e) {
        throw E2bException.badRequest("limit must be an integer");
      }
      if (n < 1 || n > MAX_LIMIT) {
        throw E2bException.badRequest("limit must be between 1 and " + MAX_LIMIT);
      }
    }
    Optional<Cursor> cursor =
        nextToken == null || nextToken.isEmpty()
            ? Optional.empty()
            : Optional.of(Cursor.decode(nextToken));
    return new ListQuery(states, decodeMetadata(metadata), n, cursor);
  }

  /**
   * E2B's recipe: the SDK percent-encodes each key and value, joins {@code k=v&k2=v2} and sends the
   * whole as one (again encoded) query value. Unescape once more, split, unescape each part.
   */
  public static Map<String, String> decodeMetadata(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    try {
      String once = URLDecoder.decode(raw, StandardCharsets.UTF_8);
      for (String pair : once.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw E2bException.badRequest("invalid metadata filter " + pair);
        }
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    } catch (IllegalArgumentException e) {
      throw E2bException.badRequest("invalid metadata filter encoding");
    }
    return out;
  }

  private static final Comparator<Item<?>> ORDER =
      Comparator.<Item<?>, Instant>comparing(Item::startedAt)
          .reversed()
          .thenComparing(Item::sandboxId);

  /** Filters, orders and cuts one page. */
  public <T> Page<T> apply(List<Item<T>> all) {
    List<Item<T>> matching = new ArrayList<>();
    for (Item<T> i : all) {
      if (states.contains(i.state()) && matches(i.metadata())) {
        matching.add(i);
      }
    }
    matching.sort(ORDER);
    List<Item<T>> rest = matching;
    if (after.isPresent()) {
      Item<T> mark = new Item<>(null, after.get().sandboxId(), after.get().startedAt(), null, null);
      rest = matching.stream().filter(i -> ORDER.compare(i, mark) > 0).toList();
    }
    List<Item<T>> page = rest.subList(0, Math.min(limit, rest.size()));
    Optional<String> next = Optional.empty();
    if (rest.size() > page.size()) {
      Item<T> last = page.get(page.size() - 1);
      next = Optional.of(new Cursor(last.startedAt(), last.sandboxId()).encode());
    }
    return new Page<>(page.stream().map(Item::value).toList(), next);
  }

  private boolean matches(Map<String, String> have) {
    for (var e : metadata.entrySet()) {
      if (!e.getValue().equals(have.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
