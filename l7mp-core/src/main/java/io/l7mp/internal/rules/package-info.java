/** Rule predicates compiled once into matcher trees, metadata paths and rewrites. */
@NullMarked
package io.l7mp.internal.rules;

import org.jspecify.annotations.NullMarked;
