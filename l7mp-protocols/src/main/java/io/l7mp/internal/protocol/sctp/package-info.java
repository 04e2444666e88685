/** SCTP over Netty's NIO SCTP transport. */
@NullMarked
package io.l7mp.internal.protocol.sctp;

import org.jspecify.annotations.NullMarked;
