/** TLS for stream listeners and clusters: contexts and handlers built from a {@code TlsSpec}. */
@NullMarked
package io.l7mp.internal.protocol.tls;

import org.jspecify.annotations.NullMarked;
