/**
 * Local transforms (Logger, JSONEncap/JSONDecap, Sync, Metric, MetaTransform, MetaCluster): their spec records, the
 * {@link io.l7mp.transform.Transform} SPI for writing your own, and the {@link io.l7mp.transform.Metrics} counters.
 */
@NullMarked
package io.l7mp.transform;

import org.jspecify.annotations.NullMarked;
