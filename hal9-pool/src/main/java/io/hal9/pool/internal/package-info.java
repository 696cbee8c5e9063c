/** Implementation details of hal9-pool; not part of the API and may change in any release. */
@NullMarked
package io.hal9.pool.internal;

import org.jspecify.annotations.NullMarked;
