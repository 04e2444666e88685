/** The L7mpController and Prometheus pseudo-protocols and the REST API behind them. */
@NullMarked
package io.l7mp.internal.rest;

import org.jspecify.annotations.NullMarked;
