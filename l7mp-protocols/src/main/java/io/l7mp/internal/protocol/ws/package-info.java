/** The WebSocket listener and cluster. */
@NullMarked
package io.l7mp.internal.protocol.ws;

import org.jspecify.annotations.NullMarked;
