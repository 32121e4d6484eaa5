/**
 * Generic controller machinery, knowing nothing of SCIM or DigiCert: informers (list + watch
 * caches), a de-duplicating rate-limited work queue, controllers with controller-runtime's
 * reconcile contract, Lease leader election, a manager that gates controllers on leadership, and
 * health checks. Start at Manager, then Controller and Reconciler.
 */
export { Controller, type ControllerOptions, type MapFunc } from "./controller.js";
export { RuntimeConfigSchema, type RuntimeConfig, defaultRuntimeConfig } from "./config.js";
export { RUNTIME_ERRORS, RuntimeError, type RuntimeErrorCode } from "./errors.js";
export { EventLoopMonitor, type HealthCheck, type HealthReport, registerHealthRoutes, runChecks } from "./health.js";
export { Informer, type InformerHandlers, type InformerOptions } from "./informer.js";
export { KubeClient, type KubeClientOptions, type KubeList, type KubeObject, type WatchEvent, collectionPath, isConflict, isNotFound } from "./kube-client.js";
export { LeaderElector, type LeaderCallbacks, type LeaderElectionOptions, defaultIdentity } from "./leader-election.js";
export { Manager, type ManagerOptions, type Runnable, type RunnableContext } from "./manager.js";
export { RuntimeMetrics } from "./metrics.js";
export { isProvablyNewer, objectKey, splitKey, stripManagedFields, supersedes } from "./object.js";
export { type ReconcileContext, type ReconcileRequest, type ReconcileResult, type Reconciler, TerminalError, isTerminalError } from "./reconciler.js";
export { WorkQueue } from "./work-queue.js";
