/** Implementation details of hal9-core; not part of the API and may change in any release. */
@NullMarked
package io.hal9.core.internal;

import org.jspecify.annotations.NullMarked;
