/** The Stdio protocol and the stage over blocking Java streams that Stdio, STDIO-fork and PIPE share. */
@NullMarked
package io.l7mp.internal.protocol.stdio;

import org.jspecify.annotations.NullMarked;
