package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A stage whose transforms can write what they learned from the data into the session's metadata (meta-listener). */
interface Annotating {
    /** Writes into {@code metadata}; on the session's loop. */
    void annotate(ObjectNode metadata);
}
