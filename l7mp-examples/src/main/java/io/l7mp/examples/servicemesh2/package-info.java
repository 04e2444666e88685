/**
 * Example: the service-mesh API's Example 2 (a gateway labelling each user's stream with a session id, consistent
 * hashing and retries towards the worker, JSONSocket over UDP carrying the label, an ingress transcoder and a Sync
 * rendezvous joining user A and user B into one call) collapsed onto one machine.
 */
@NullMarked
package io.l7mp.examples.servicemesh2;

import org.jspecify.annotations.NullMarked;
