/**
 * The immutable spec model: records with l7mp's field names, shared by the fluent builder, the config file and the
 * REST API. {@link io.l7mp.spec.ConfigCodec} reads and writes them as YAML or JSON.
 */
@NullMarked
package io.l7mp.spec;

import org.jspecify.annotations.NullMarked;
