/** Load-balancing policies: Trivial, RoundRobin, ConsistentHash (HashRing), Multicast, Broadcast. */
@NullMarked
package io.l7mp.internal.lb;

import org.jspecify.annotations.NullMarked;
