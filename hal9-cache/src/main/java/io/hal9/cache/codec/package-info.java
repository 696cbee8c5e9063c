/**
 * Ready-made {@link io.hal9.cache.ValueCodec}s: JSON and CBOR through Jackson, and raw bytes. Obtain
 * them from {@link io.hal9.cache.codec.Codecs}.
 */
@NullMarked
package io.hal9.cache.codec;

import org.jspecify.annotations.NullMarked;
