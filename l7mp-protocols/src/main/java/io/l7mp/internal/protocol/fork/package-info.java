/** STDIO-fork: a process per session, its stdin and stdout as the stream. */
@NullMarked
package io.l7mp.internal.protocol.fork;

import org.jspecify.annotations.NullMarked;
