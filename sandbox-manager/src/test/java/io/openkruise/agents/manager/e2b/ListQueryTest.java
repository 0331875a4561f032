package io.openkruise.agents.manager.e2b;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openkruise.agents.api.claim.SandboxState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

@io.openkruise.agents.testing.tier.UnitTier
class ListQueryTest {

  private static ListQuery.Item<String> item(
      String id, int second, SandboxState st, Map<String, String> md) {
    return new ListQuery.Item<>(id, id, Instant.ofEpochSecond(second), st, md);
  }

  @Test
  void metadataIsDecodedTheWayE2bDoes() {
    // What the framework hands over for the SDK's metadata=a%3Db%252520c ({a: "b c"}).
    assertThat(ListQuery.decodeMetadata("a=b%2520c")).containsExactly(Map.entry("a", "b c"));
    assertThat(ListQuery.decodeMetadata("k%253D=v%2526&x=y"))
        .containsEntry("k=", "v&")
        .containsEntry("x", "y");
    assertThat(ListQuery.decodeMetadata(null)).isEmpty();
    assertThatThrownBy(() -> ListQuery.decodeMetadata("novalue")).isInstanceOf(E2bException.class);
    assertThatThrownBy(() -> ListQuery.decodeMetadata("a=%zz")).isInstanceOf(E2bException.class);
  }

  @Test
  void statesAcceptCommaListsAndRepeatedParams() {
    assertThat(ListQuery.parse(List.of("running"), null, null, null).states())
        .isEqualTo(Set.of(SandboxState.RUNNING));
    assertThat(ListQuery.parse(List.of("running,paused"), null, null, null).states()).hasSize(2);
    assertThat(ListQuery.parse(List.of("paused", "running"), null, null, null).states()).hasSize(2);
    assertThat(ListQuery.parse(null, null, null, null).states()).hasSize(2);
    assertThatThrownBy(() -> ListQuery.parse(List.of("dead"), null, null, null))
        .isInstanceOf(E2bException.class);
  }

  @Test
  void limitBounds() {
    assertThat(ListQuery.parse(null, null, null, null).limit()).isEqualTo(100);
    assertThat(ListQuery.parse(null, null, "7", null).limit()).isEqualTo(7);
    for (String bad : List.of("0", "101", "-1", "x", "1.5")) {
      assertThatThrownBy(() -> ListQuery.parse(null, null, bad, null))
          .isInstanceOf(E2bException.class);
    }
  }

  @Test
  void pagesNewestFirstWithAStableCursor() {
    List<ListQuery.Item<String>> all = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      all.add(item("s" + i, i / 2, SandboxState.RUNNING, Map.of()));
    }
    List<String> seen = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      ListQuery q = ListQuery.parse(null, null, "3", token);
      ListQuery.Page<String> page = q.apply(all);
      seen.addAll(page.items());
      token = page.nextToken().orElse(null);
      pages++;
    } while (token != null);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).containsExactly("s6", "s4", "s5", "s2", "s3", "s0", "s1");
  }

  @Test
  void filtersByStateAndMetadata() {
    List<ListQuery.Item<String>> all =
        List.of(
            item("a", 1, SandboxState.RUNNING, Map.of("k", "v")),
            item("b", 2, SandboxState.PAUSED, Map.of("k", "v")),
            item("c", 3, SandboxState.RUNNING, Map.of("k", "w")),
            item("d", 4, SandboxState.DEAD, Map.of("k", "v")));
    assertThat(ListQuery.parse(null, "k=v", null, null).apply(all).items())
        .containsExactly("b", "a");
    assertThat(ListQuery.parse(List.of("running"), "k=v", null, null).apply(all).items())
        .containsExactly("a");
  }

  @Test
  void invalidTokensAre400() {
    for (String bad : List.of("%%%", "bm9zZXA", "eA")) {
      assertThatThrownBy(() -> ListQuery.parse(null, null, null, bad))
          .isInstanceOf(E2bException.class)
          .extracting(e -> ((E2bException) e).status())
          .isEqualTo(400);
    }
  }

  private static ListQuery parse(String limit, String token, ListQuery.Filters f) {
    return ListQuery.parse(null, null, limit, token, f, t -> Set.of(t, t + "-set"));
  }

  @Test
  void ascendingOrderPagesOldestFirstAndStaysStableWhenNewerOnesArrive() {
    List<ListQuery.Item<String>> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(item("s" + i, i, SandboxState.RUNNING, Map.of()));
    }
    ListQuery.Filters asc = new ListQuery.Filters("asc", null, null, null);
    ListQuery.Page<String> first = parse("2", null, asc).apply(all);
    assertThat(first.items()).containsExactly("s0", "s1");
    // Created between the two pages: sorts last, nothing is repeated or skipped.
    all.add(item("s9", 9, SandboxState.RUNNING, Map.of()));
    ListQuery.Page<String> second = parse("2", first.nextToken().get(), asc).apply(all);
    assertThat(second.items()).containsExactly("s2", "s3");
    ListQuery.Page<String> third = parse("2", second.nextToken().get(), asc).apply(all);
    assertThat(third.items()).containsExactly("s4", "s9");
    assertThat(third.nextToken()).isEmpty();
    assertThatThrownBy(() -> parse(null, null, new ListQuery.Filters("up", null, null, null)))
        .isInstanceOf(E2bException.class);
  }

  @Test
  void startedAfterIsInclusiveAndBeforeExclusive() {
    List<ListQuery.Item<String>> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(item("s" + i, i, SandboxState.RUNNING, Map.of()));
    }
    ListQuery q =
        parse(
            null,
            null,
            new ListQuery.Filters(null, "1970-01-01T01:00:01+01:00", "1970-01-01T00:00:04Z", null));
    assertThat(q.apply(all).items()).containsExactly("s3", "s2", "s1");
    assertThatThrownBy(
            () -> parse(null, null, new ListQuery.Filters(null, "yesterday", null, null)))
        .isInstanceOf(E2bException.class);
  }

  @Test
  void templateMatchesTheIdOrWhatTheAliasNames() {
    List<ListQuery.Item<String>> all =
        List.of(
            new ListQuery.Item<>(
                "a", "a", Instant.ofEpochSecond(1), SandboxState.RUNNING, Map.of(), "web"),
            new ListQuery.Item<>(
                "b", "b", Instant.ofEpochSecond(2), SandboxState.RUNNING, Map.of(), "web-set"),
            new ListQuery.Item<>(
                "c", "c", Instant.ofEpochSecond(3), SandboxState.RUNNING, Map.of(), "other"));
    assertThat(parse(null, null, new ListQuery.Filters(null, null, null, "web")).apply(all).items())
        .containsExactly("b", "a");
    assertThat(
            parse(null, null, new ListQuery.Filters(null, null, null, "none")).apply(all).items())
        .isEmpty();
  }
}
