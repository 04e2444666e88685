/** AF_PACKET: reported unavailable, as plain Java cannot open packet sockets. */
@NullMarked
package io.l7mp.internal.protocol.packet;

import org.jspecify.annotations.NullMarked;
