/** l7mp's REST control API ({@code /api/v1}) and Prometheus metrics, served through the proxy's own HTTP listeners. */
@NullMarked
package io.l7mp.rest;

import org.jspecify.annotations.NullMarked;
