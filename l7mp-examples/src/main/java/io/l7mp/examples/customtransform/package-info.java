/**
 * Example: writing your own transform with the {@code io.l7mp.transform} SPI and plugging it in through
 * {@link java.util.ServiceLoader}, so that configs use it by name.
 */
@NullMarked
package io.l7mp.examples.customtransform;

import org.jspecify.annotations.NullMarked;
