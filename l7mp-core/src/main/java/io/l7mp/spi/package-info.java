/**
 * Service-provider interfaces: protocols ({@link io.l7mp.spi.ProtocolProvider}) plug listeners and clusters into
 * the engine; the engine moves data between {@link io.l7mp.spi.Stage}s on one event loop per session.
 */
@NullMarked
package io.l7mp.spi;

import org.jspecify.annotations.NullMarked;
