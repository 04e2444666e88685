/** Spec records of the bundled protocols (UDP, TCP, Echo, Discard, ...), for the fluent builder. */
@NullMarked
package io.l7mp.protocol;

import org.jspecify.annotations.NullMarked;
