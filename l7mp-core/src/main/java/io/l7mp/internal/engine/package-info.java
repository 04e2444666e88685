/** The engine: registries, the one writer of changes, sessions and their data path. */
@NullMarked
package io.l7mp.internal.engine;

import org.jspecify.annotations.NullMarked;
