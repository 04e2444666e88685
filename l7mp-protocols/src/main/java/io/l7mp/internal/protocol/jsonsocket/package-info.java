/** The JSONSocket listener and cluster, over any datagram transport found by protocol name. */
@NullMarked
package io.l7mp.internal.protocol.jsonsocket;

import org.jspecify.annotations.NullMarked;
