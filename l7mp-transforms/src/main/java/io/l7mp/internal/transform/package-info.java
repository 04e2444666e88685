/** The providers and stages behind the transforms of {@code io.l7mp.transform}. */
@NullMarked
package io.l7mp.internal.transform;

import org.jspecify.annotations.NullMarked;
