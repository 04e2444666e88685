/** PIPE: named pipes (FIFOs) as a byte stream. */
@NullMarked
package io.l7mp.internal.protocol.pipe;

import org.jspecify.annotations.NullMarked;
