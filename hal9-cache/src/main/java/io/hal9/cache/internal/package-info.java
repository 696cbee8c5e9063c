/** Implementation details shared by the cache kinds; not part of the API and may change in any release. */
@NullMarked
package io.hal9.cache.internal;

import org.jspecify.annotations.NullMarked;
