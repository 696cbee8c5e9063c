/**
 * WebSocket load benchmarks: hal9-ws against a minimal raw Netty WebSocket server, measured with many
 * real sockets rather than with JMH. {@link io.hal9.benchmarks.ws.WsBench} is the driver (it starts one
 * server JVM per implementation and scenario and runs the load client beside them); {@link
 * io.hal9.benchmarks.ws.BenchServer} and {@link io.hal9.benchmarks.ws.BenchClient} are the two halves
 * for running by hand. See {@link io.hal9.benchmarks.ws.WsBench} for how to run the scenarios.
 */
@NullMarked
package io.hal9.benchmarks.ws;

import org.jspecify.annotations.NullMarked;
