package io.l7mp.internal.transform;

import io.l7mp.spi.MetricsSource;
import io.l7mp.transform.Metrics;

/** Puts the {@code Metric} transform's counters on the Prometheus endpoint, where l7mp users scrape them. */
public final class MetricsSourceImpl implements MetricsSource {
    @Override
    public String prometheus() {
        return Metrics.prometheus();
    }
}
