/** Message framing over byte streams (length-prefixed), shared by the stream protocols. */
@NullMarked
package io.l7mp.internal.protocol.framing;

import org.jspecify.annotations.NullMarked;
