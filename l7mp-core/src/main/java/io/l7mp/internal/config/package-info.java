/** Jackson mapping of the spec model and its error translation. */
@NullMarked
package io.l7mp.internal.config;

import org.jspecify.annotations.NullMarked;
