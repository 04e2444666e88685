/** The entry point of the library: {@link io.l7mp.L7mp}, its builder, its errors and its read-only views. */
@NullMarked
package io.l7mp;

import org.jspecify.annotations.NullMarked;
