export { buildSimulator, startSimulator, type BuildOptions, type RunningSimulator, type SimulatorHandle } from "./server.js";
export { SimulatorOptionsSchema, type SimulatorOptions, type SimulatorOptionsInput } from "./config.js";
export { FaultSchema, type CallRecord, type Fault, type FaultSpec, type Plane } from "./faults.js";
export { runSimulatorCli } from "./cli.js";
