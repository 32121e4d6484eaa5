import { KubeConfig } from "@kubernetes/client-node";
import Fastify, { type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { OperatorConfig } from "./config.js";
import { messageOf } from "./errors.js";
import { type Logger, createLogger } from "./observability/logger.js";
import { createRegistry } from "./observability/metrics.js";
import { EventLoopMonitor, KubeClient, Manager, RuntimeMetrics, defaultIdentity, registerHealthRoutes } from "./runtime/index.js";

/** What a running operator exposes to the CLI, the demo and the tests. */
export interface RunningOperator {
  manager: Manager;
  registry: Registry;
  /** Base URL of /metrics, /healthz and /readyz. */
  metricsUrl: string;
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
 * every replica, controllers only on the Lease holder) -> HTTP servers. Returns once everything
 * listens; `done` settles when the operator stops.
 */
export async function startOperator(config: Readonly<OperatorConfig>, deps: OperatorDeps = {}): Promise<RunningOperator> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const registry = createRegistry();
  const kc = deps.kubeConfig ?? loadKubeConfig(config);
  const client = new KubeClient(kc);
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

  const eventLoop = new EventLoopMonitor({ thresholdMs: config.runtime.eventLoopLagThresholdMs });
  eventLoop.start();
  const metricsServer = buildMetricsServer(registry, manager, eventLoop);
  const servers: FastifyInstance[] = [metricsServer];
  const stopController = new AbortController();
  try {
    const metricsUrl = await metricsServer.listen(splitAddress(config.metricsAddress));
    logger.info({ metricsUrl, leaderElection: le.enabled, identity: manager.identity }, "operator started");
    const done = manager.start(stopController.signal).finally(async () => {
      eventLoop.stop();
      await Promise.all(servers.map((s) => s.close()));
    });
    done.catch((err: unknown) => logger.error({ err: messageOf(err) }, "operator stopped after a failure"));
    return {
      manager,
      registry,
      metricsUrl,
      done,
      stop: async () => {
        stopController.abort();
        await done.catch(() => undefined);
      },
    };
  } catch (err) {
    eventLoop.stop();
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
}

function buildMetricsServer(registry: Registry, manager: Manager, eventLoop: EventLoopMonitor): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", registry.contentType);
    return registry.metrics();
  });
  registerHealthRoutes(app, {
    liveness: { eventLoop: eventLoop.check },
    readiness: { caches: () => manager.hasSynced() },
  });
  return app;
}
