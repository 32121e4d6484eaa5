import type { Logger } from "../../observability/logger.js";
import type { ProviderRegistry } from "../../providers/index.js";
import type { ControllersConfig } from "../config.js";
import type { ControllerMetrics } from "../metrics.js";
import type { Connections } from "./connections.js";
import type { KubeWrites } from "./kube-writes.js";
import type { ControllerInformers } from "./resources.js";

/** What every reconciler of this folder is built from; assembled once by setupControllers. */
export interface ControllerContext {
  informers: ControllerInformers;
  writes: KubeWrites;
  connections: Connections;
  registry: ProviderRegistry;
  metrics: ControllerMetrics;
  config: ControllersConfig;
  logger: Logger;
  /** Wall-clock time for status timestamps, grace periods and guard windows. */
  now: () => Date;
}
