/** Unix domain sockets: the stream and datagram protocols. */
@NullMarked
package io.l7mp.internal.protocol.unix;

import org.jspecify.annotations.NullMarked;
