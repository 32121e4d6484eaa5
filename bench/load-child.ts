/** The load generator's child process: receives one LoadSpec, runs it, sends back the figures. */
import { runSpec, type LoadSpec } from "./load.js";

process.once("message", (spec) => {
  void runSpec(spec as LoadSpec).then((result) => process.send?.(result));
});
