/**
 * Example: the l7mp README scenario, a UDP listener connected to one peer, a Logger in the ingress chain and a
 * WebSocket cluster with a retry policy.
 */
@NullMarked
package io.l7mp.examples.readme;

import org.jspecify.annotations.NullMarked;
