import { KubeConfig } from "@kubernetes/client-node";
import Fastify, { type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { OperatorConfig } from "./config.js";
import { OperatorError, messageOf } from "./errors.js";
import { type Logger, createLogger } from "./observability/logger.js";
import { createRegistry } from "./observability/metrics.js";
import { setupControllers } from "./controllers/setup.js";
import { createProviderRegistry } from "./providers/index.js";
import { SharedHttpState } from "./providers/http/shared-state.js";
import { EventLoopMonitor, KubeClient, Manager, RuntimeMetrics, defaultIdentity, registerHealthRoutes } from "./runtime/index.js";
import { systemClock } from "./runtime/timing.js";
import { buildScimServer, createKubeScimStore } from "./scim/index.js";

/** What a running operator exposes to the CLI, the demo and the tests. */
export interface RunningOperator {
  manager: Manager;
  registry: Registry;
  /** Base URL of /metrics, /healthz and /readyz. */
  metricsUrl: string;
  /** Base URL of the SCIM receiver; tenants are served under /scim/v2/{namespace}/{tenant}. */
  scimUrl: string;
  /** Resolves when the operator has stopped; rejects when it stopped because something failed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export interface OperatorDeps {
  /** Defaults to the kubeconfig named in the config, else in-cluster, else ~/.kube/config. */
  kubeConfig?: KubeConfig;
  logger?: Logger;
}

const splitAddress = (address: string) => {
  const at = address.lastIndexOf(":");
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(address.slice(at + 1)) };
};

function loadKubeConfig(config: OperatorConfig): KubeConfig {
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();
  return kc;
}

/**
 * The composition root: config -> logger -> metrics -> Kubernetes client -> manager (informers on
 * every replica, controllers only on the Lease holder) -> SCIM receiver and metrics/health servers.
 * Returns once everything listens; `done` settles when the operator stops.
 *
 * The receiver keeps its own caches of users, groups and tenants (full SCIM state, for serving
 * reads); the controllers keep slimmer ones of what they reconcile from. Every replica serves SCIM.
 */
export async function startOperator(config: Readonly<OperatorConfig>, deps: OperatorDeps = {}): Promise<RunningOperator> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const registry = createRegistry();
  const kc = deps.kubeConfig ?? loadKubeConfig(config);
  const client = new KubeClient(kc, { requestTimeoutMs: config.runtime.requestTimeoutMs });
  const runtimeMetrics = new RuntimeMetrics(registry);
  const le = config.leaderElection;
  const manager = new Manager({
    metrics: runtimeMetrics,
    logger,
    gracefulShutdownMs: config.runtime.gracefulShutdownMs,
    ...(le.enabled
      ? {
          leaderElection: {
            client,
            namespace: le.namespace,
            name: le.leaseName,
            identity: le.identity ?? defaultIdentity(),
            ...config.runtime.leaderElection,
          },
        }
      : {}),
  });

  const { informers } = setupControllers({
    manager,
    kubeClient: client,
    registry: createProviderRegistry(),
    providersConfig: config.providers,
    metricsRegistry: registry,
    runtimeMetrics,
    logger,
    httpState: new SharedHttpState(systemClock, config.providers),
    namespace: config.watchNamespace,
    config: config.controllers,
    relistIntervalMs: config.runtime.informer.relistIntervalMs,
    pageSize: config.runtime.informer.pageSize,
  });
  // The receiver reads the controllers' caches: one copy of every user, group and tenant per process.
  const store = createKubeScimStore({
    kubeConfig: kc,
    config: config.scim,
    logger,
    namespace: config.watchNamespace,
    shared: { client, users: informers.users, groups: informers.groups, tenants: informers.tenants },
  });

  const eventLoop = new EventLoopMonitor({ thresholdMs: config.runtime.eventLoopLagThresholdMs });
  eventLoop.start();
  const metricsServer = buildMetricsServer(registry, eventLoop, { caches: () => manager.hasSynced(), scim: () => store.ready() });
  const scimServer = buildScimServer({ store, logger, registry, config: config.scim });
  const servers: FastifyInstance[] = [metricsServer, scimServer];
  const stopController = new AbortController();
  const shutdown = async () => {
    eventLoop.stop();
    await Promise.all(servers.map((s) => s.close()));
    await store.stop();
  };
  // The manager runs the informers the store reads, so it starts first; SCIM is served once they
  // hold a full list.
  const done = manager.start(stopController.signal).finally(shutdown);
  done.catch((err: unknown) => logger.error({ err: messageOf(err) }, "operator stopped after a failure"));
  const stop = async () => {
    stopController.abort();
    await done.catch(() => undefined);
  };
  try {
    const metricsUrl = await metricsServer.listen(splitAddress(config.metricsAddress));
    await store.start();
    if (!store.ready()) throw new OperatorError("OPERATOR_ERR_NOT_SYNCED", "the operator stopped before its caches synced");
    const scimUrl = await scimServer.listen(splitAddress(config.scimAddress));
    logger.info({ metricsUrl, scimUrl, leaderElection: le.enabled, identity: manager.identity }, "operator started");
    return { manager, registry, metricsUrl, scimUrl, done, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function buildMetricsServer(registry: Registry, eventLoop: EventLoopMonitor, readiness: Record<string, () => boolean>): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", registry.contentType);
    return registry.metrics();
  });
  registerHealthRoutes(app, {
    liveness: { eventLoop: eventLoop.check },
    readiness,
  });
  return app;
}
