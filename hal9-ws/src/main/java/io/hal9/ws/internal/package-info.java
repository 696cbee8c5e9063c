/** The implementation of {@code io.hal9.ws}; not part of the API, may change in any release. */
@NullMarked
package io.hal9.ws.internal;

import org.jspecify.annotations.NullMarked;
