/** Implementations of the bundled protocols. */
@NullMarked
package io.l7mp.internal.protocol;

import org.jspecify.annotations.NullMarked;
