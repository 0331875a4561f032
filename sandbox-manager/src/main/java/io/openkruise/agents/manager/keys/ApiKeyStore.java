package io.openkruise.agents.manager.keys;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.openkruise.agents.manager.e2b.E2bException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * API keys: the admin key from configuration plus the hashed keys of one Secret, watched by an
 * informer so a key created or deleted on one replica is honoured by all within moments.
 */
public final class ApiKeyStore implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(ApiKeyStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final String namespace;
  private final String secretName;
  private final String adminHash;
  private final String adminSalt;
  private final Map<String, Object> adminMask;
  private final Clock clock;
  private static final long LIVE_READ_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  private final java.util.concurrent.atomic.AtomicLong lastLiveRead =
      new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - LIVE_READ_INTERVAL_NANOS - 1);

  private volatile Map<String, StoredKey> byHint = Map.of();
  private volatile Map<String, StoredKey> byId = Map.of();
  private SharedIndexInformer<Secret> informer;

  public ApiKeyStore(
      KubernetesClient client, String namespace, String secretName, String adminKey, Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.secretName = secretName;
    this.adminSalt = ApiKeys.newSalt();
    this.adminHash = ApiKeys.hash(adminSalt, adminKey);
    this.adminMask = ApiKeys.mask(adminKey);
    this.clock = clock;
  }

  public void start() {
    informer =
        client.secrets().inNamespace(namespace).withName(secretName).runnableInformer(600_000);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Secret s) {
            load(s);
          }

          @Override
          public void onUpdate(Secret old, Secret s) {
            load(s);
          }

          @Override
          public void onDelete(Secret s, boolean unknown) {
            load(null);
          }
        });
    try {
      informer.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Keys still work once the informer syncs; the admin key works at once.
      LOG.warnf("API key Secret %s/%s not synced yet: %s", namespace, secretName, e.toString());
    }
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }

  private void load(Secret secret) {
    Map<String, StoredKey> hints = new HashMap<>();
    Map<String, StoredKey> ids = new HashMap<>();
    if (secret != null && secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (id, value) -> {
                try {
                  StoredKey k = JSON.readValue(Base64.getDecoder().decode(value), StoredKey.class);
                  hints.put(k.hint(), k);
                  ids.put(k.id(), k);
                } catch (Exception e) {
                  LOG.warnf("skipping unreadable API key entry %s: %s", id, e.toString());
                }
              });
    }
    byHint = hints;
    byId = ids;
  }

  /** The caller a presented key belongs to, or empty for a missing or unknown key. */
  public Optional<Caller> authenticate(String key) {
    if (!ApiKeys.wellFormed(key)) {
      return Optional.empty();
    }
    if (ApiKeys.sameHash(adminHash, ApiKeys.hash(adminSalt, key))) {
      return Optional.of(new Caller(Caller.ADMIN_ID, "admin", true));
    }
    StoredKey k = byHint.get(ApiKeys.hint(key));
    if (k == null && mayReadLive()) {
      // A key created on another replica a moment ago may not have reached our informer yet:
      // one live read, so replicas behind a load balancer behave as one.
      load(client.secrets().inNamespace(namespace).withName(secretName).get());
      k = byHint.get(ApiKeys.hint(key));
    }
    if (k != null && ApiKeys.sameHash(k.hash(), ApiKeys.hash(k.salt(), key))) {
      return Optional.of(new Caller(k.id(), k.name(), false, k.team()));
    }
    return Optional.empty();
  }

  /** At most one live read per second: unknown keys must not turn into API-server load. */
  private boolean mayReadLive() {
    long now = System.nanoTime();
    long last = lastLiveRead.get();
    return now - last > LIVE_READ_INTERVAL_NANOS && lastLiveRead.compareAndSet(last, now);
  }

  /** Created key with its secret value, which is never shown again. */
  public record Created(StoredKey stored, String key) {}

  public Created create(String name, Caller creator) {
    return create(name, creator, null);
  }

  /**
   * @param team namespace the key is scoped to (already validated), or null for every served one
   */
  public Created create(String name, Caller creator, String team) {
    String key = ApiKeys.newKey();
    String salt = ApiKeys.newSalt();
    StoredKey stored =
        new StoredKey(
            UUID.randomUUID().toString(),
            name,
            ApiKeys.hash(salt, key),
            salt,
            ApiKeys.hint(key),
            ApiKeys.mask(key),
            clock.instant().truncatedTo(ChronoUnit.SECONDS).toString(),
            creator.id(),
            team);
    String value;
    try {
      value =
          Base64.getEncoder()
              .encodeToString(JSON.writeValueAsString(stored).getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put(stored.id(), value);
    patchData(data);
    // Visible at once on this replica; the informer brings it to the others.
    Map<String, StoredKey> hints = new HashMap<>(byHint);
    Map<String, StoredKey> ids = new HashMap<>(byId);
    hints.put(stored.hint(), stored);
    ids.put(stored.id(), stored);
    byHint = hints;
    byId = ids;
    return new Created(stored, key);
  }

  /** Admin entry first, then stored keys by creation time. */
  public List<Map<String, Object>> list() {
    List<Map<String, Object>> out = new ArrayList<>();
    Map<String, Object> admin = new LinkedHashMap<>();
    admin.put("id", Caller.ADMIN_ID);
    admin.put("name", "admin");
    admin.put("mask", adminMask);
    admin.put("createdAt", null);
    admin.put("createdBy", null);
    admin.put("lastUsed", null);
    out.add(admin);
    byId.values().stream()
        .sorted(Comparator.comparing(StoredKey::createdAt).thenComparing(StoredKey::id))
        .forEach(k -> out.add(k.view()));
    return out;
  }

  /**
   * {@code GET /teams}: the caller's own team first (the default); the admin also sees every team a
   * key is scoped to.
   */
  public List<Map<String, Object>> teams(Caller caller) {
    List<Map<String, Object>> out = new ArrayList<>();
    out.add(Teams.listed(caller.team(), true));
    if (caller.admin()) {
      byId.values().stream()
          .map(StoredKey::team)
          .filter(t -> t != null && !t.equals(caller.team()))
          .distinct()
          .sorted()
          .forEach(t -> out.add(Teams.listed(t, false)));
    }
    return out;
  }

  public void delete(String id) {
    if (Caller.ADMIN_ID.equals(id)) {
      throw E2bException.badRequest("the admin key comes from configuration and cannot be deleted");
    }
    if (!byId.containsKey(id) && !liveContains(id)) {
      throw E2bException.notFound("API key " + id + " not found");
    }
    // JSON patch "remove": atomic per entry, and it fails (instead of silently succeeding) when
    // another replica removed the entry first.
    try {
      client
          .secrets()
          .inNamespace(namespace)
          .withName(secretName)
          .patch(
              PatchContext.of(PatchType.JSON),
              "[{\"op\":\"remove\",\"path\":\"/data/"
                  + id.replace("~", "~0").replace("/", "~1")
                  + "\"}]");
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404 || e.getCode() == 422) {
        throw E2bException.notFound("API key " + id + " not found");
      }
      throw e;
    }
    Map<String, StoredKey> hints = new HashMap<>(byHint);
    Map<String, StoredKey> ids = new HashMap<>(byId);
    StoredKey gone = ids.remove(id);
    if (gone != null) {
      hints.remove(gone.hint());
    }
    byHint = hints;
    byId = ids;
  }

  private boolean liveContains(String id) {
    Secret s = client.secrets().inNamespace(namespace).withName(secretName).get();
    return s != null && s.getData() != null && s.getData().containsKey(id);
  }

  /** Merge patch of distinct data keys: concurrent writers never overwrite each other. */
  private void patchData(Map<String, Object> data) {
    String patch;
    try {
      patch = JSON.writeValueAsString(Map.of("data", data));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    var secret = client.secrets().inNamespace(namespace).withName(secretName);
    try {
      secret.patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      Map<String, String> initial = new HashMap<>();
      data.forEach(
          (k, v) -> {
            if (v != null) {
              initial.put(k, (String) v);
            }
          });
      try {
        client
            .secrets()
            .inNamespace(namespace)
            .resource(
                new SecretBuilder()
                    .withNewMetadata()
                    .withName(secretName)
                    .withNamespace(namespace)
                    .endMetadata()
                    .withType("Opaque")
                    .withData(initial)
                    .build())
            .create();
      } catch (KubernetesClientException ce) {
        if (ce.getCode() != 409) {
          throw ce;
        }
        secret.patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      }
    }
  }
}
