package io.openkruise.agents.manager.e2b;

import io.openkruise.agents.api.claim.SandboxState;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
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
import java.util.function.Function;

/**
 * {@code GET /v2/sandboxes} query: state, metadata, template and start-time filters, and keyset
 * pagination ordered by start time (newest first unless {@code order=asc}), then sandbox ID. The
 * cursor is a position in that order, not an offset, so pages stay stable whichever replica answers
 * and however many sandboxes are created meanwhile (new ones sort before the cursor in the default
 * order and after everything in ascending order; none is repeated or skipped).
 *
 * @param templates template names a sandbox must have one of; empty = any
 * @param startedAfter inclusive lower bound of the start time
 * @param startedBefore exclusive upper bound of the start time
 */
public record ListQuery(
    Set<SandboxState> states,
    Map<String, String> metadata,
    int limit,
    Optional<Cursor> after,
    boolean ascending,
    Optional<Instant> startedAfter,
    Optional<Instant> startedBefore,
    Set<String> templates) {

  public static final int MAX_LIMIT = 100;

  public ListQuery(
      Set<SandboxState> states, Map<String, String> metadata, int limit, Optional<Cursor> after) {
    this(states, metadata, limit, after, false, Optional.empty(), Optional.empty(), Set.of());
  }

  /** The filters the SDKs send besides state, metadata and paging (E2B 2.45+). */
  public record Filters(String order, String startedAfter, String startedBefore, String template) {
    public static final Filters NONE = new Filters(null, null, null, null);
  }

  /** Position of the last item of a page (E2B's shape: {@code <startedAt>__<sandboxID>}). */
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
      Map<String, String> metadata,
      String template) {

    public Item(
        T value,
        String sandboxId,
        Instant startedAt,
        SandboxState state,
        Map<String, String> metadata) {
      this(value, sandboxId, startedAt, state, metadata, "");
    }
  }

  public record Page<T>(List<T> items, Optional<String> nextToken) {}

  /**
   * @param state every {@code state} query value (each may be a comma list)
   * @param metadata the {@code metadata} value as the framework decoded it once
   */
  public static ListQuery parse(
      List<String> state, String metadata, String limit, String nextToken) {
    return parse(state, metadata, limit, nextToken, Filters.NONE, Set::of);
  }

  /**
   * @param templateNames what a {@code template} value (an ID or an alias) names
   */
  public static ListQuery parse(
      List<String> state,
      String metadata,
      String limit,
      String nextToken,
      Filters filters,
      Function<String, Set<String>> templateNames) {
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
    boolean ascending =
        switch (filters.order() == null ? "" : filters.order().trim()) {
          case "", "desc" -> false;
          case "asc" -> true;
          default -> throw E2bException.badRequest("order must be asc or desc");
        };
    Set<String> templates =
        filters.template() == null || filters.template().isBlank()
            ? Set.of()
            : templateNames.apply(filters.template().trim());
    return new ListQuery(
        states,
        decodeMetadata(metadata),
        n,
        cursor,
        ascending,
        time(filters.startedAfter(), "startedAfter"),
        time(filters.startedBefore(), "startedBefore"),
        templates);
  }

  /** RFC 3339 with any offset (the SDKs send their local offset or Z). */
  private static Optional<Instant> time(String raw, String name) {
    if (raw == null || raw.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(raw.trim()).toInstant());
    } catch (DateTimeParseException e) {
      throw E2bException.badRequest(name + " must be an RFC 3339 date-time");
    }
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

  private static final Comparator<Item<?>> ASCENDING =
      Comparator.<Item<?>, Instant>comparing(Item::startedAt).thenComparing(Item::sandboxId);

  /** Filters, orders and cuts one page. */
  public <T> Page<T> apply(List<Item<T>> all) {
    List<Item<T>> matching = new ArrayList<>();
    for (Item<T> i : all) {
      if (states.contains(i.state()) && matches(i.metadata()) && inRange(i)) {
        matching.add(i);
      }
    }
    Comparator<Item<?>> order = ascending ? ASCENDING : ORDER;
    matching.sort(order);
    List<Item<T>> rest = matching;
    if (after.isPresent()) {
      Item<T> mark = new Item<>(null, after.get().sandboxId(), after.get().startedAt(), null, null);
      rest = matching.stream().filter(i -> order.compare(i, mark) > 0).toList();
    }
    List<Item<T>> page = rest.subList(0, Math.min(limit, rest.size()));
    Optional<String> next = Optional.empty();
    if (rest.size() > page.size()) {
      Item<T> last = page.get(page.size() - 1);
      next = Optional.of(new Cursor(last.startedAt(), last.sandboxId()).encode());
    }
    return new Page<>(page.stream().map(Item::value).toList(), next);
  }

  private boolean inRange(Item<?> i) {
    return (templates.isEmpty() || templates.contains(i.template()))
        && startedAfter.map(t -> !i.startedAt().isBefore(t)).orElse(true)
        && startedBefore.map(t -> i.startedAt().isBefore(t)).orElse(true);
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
