/** The HTTP listener: one session per request, HTTP/1.1 with keep-alive and cleartext HTTP/2. */
@NullMarked
package io.l7mp.internal.protocol.http;

import org.jspecify.annotations.NullMarked;
