package io.l7mp.spi;

import io.l7mp.UnstableApi;
import java.util.ServiceLoader;

/**
 * Adds metric families to the proxy's Prometheus endpoint (l7mp-rest's {@code Prometheus} cluster), as l7mp's
 * Prometheus cluster shows every registry of the process: the {@code Metric} transform's per-session counters, for
 * one. Found by {@link ServiceLoader} ({@code META-INF/services/io.l7mp.spi.MetricsSource}): public no-arg
 * constructor, never throws.
 */
@UnstableApi
public interface MetricsSource {
    /**
     * Returns whole metric families in the Prometheus text format 0.0.4 ({@code # TYPE} lines and samples, each line
     * ending in a line feed), or an empty string. Called from any thread, once per scrape.
     */
    String prometheus();
}
