package io.openkruise.agents.controller.support;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Micrometer adjustments for the operator SDK's meters. */
public class MetricsConfiguration {

  /**
   * The operator SDK tags "events received" with {@code action} only for some events; Prometheus
   * refuses one name with two tag sets (and the failure surfaces inside reconciles). Give every
   * such meter the tag, so all of them register.
   */
  @Produces
  @Singleton
  MeterFilter uniformEventTags() {
    return new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        if (id.getName().endsWith("events.received") && id.getTag("action") == null) {
          return id.withTag(Tag.of("action", "none"));
        }
        return id;
      }
    };
  }
}
