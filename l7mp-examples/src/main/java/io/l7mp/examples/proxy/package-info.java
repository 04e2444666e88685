/** The standalone proxy: l7mp's command line over the library. */
package io.l7mp.examples.proxy;
