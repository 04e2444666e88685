/**
 * Example: the service-mesh API's Example 1 (a UDP gateway filtering on source address and port, a transcoder
 * reached over WebSocket whose sidecar converts to a Unix-socket service, a UDP worker) collapsed onto one machine.
 */
@NullMarked
package io.l7mp.examples.servicemesh1;

import org.jspecify.annotations.NullMarked;
