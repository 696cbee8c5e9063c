/**
 * Benchmarks of hal9-core: the action batcher against an {@code ArrayBlockingQueue.drainTo} batcher,
 * the LMAX Disruptor and a bare JCTools hand-off; the bounded channel against {@code
 * ArrayBlockingQueue} and {@code MpscArrayQueue}; the task limiter against a bare {@code Semaphore}.
 */
@NullMarked
package io.hal9.benchmarks.core;

import org.jspecify.annotations.NullMarked;
