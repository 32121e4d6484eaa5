import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiException, CoordinationV1Api, type V1LeaseSpec } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { afterAll, beforeAll } from "vitest";
import { API_VERSION, type DigiCertUser, type ScimTenant } from "../../src/api/v1alpha1/index.js";
import { loadConfig } from "../../src/config.js";
import { startOperator } from "../../src/main.js";
import { scimClient } from "../../src/demo/provision.js";
import { silentLogger } from "../../src/observability/logger.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { eventually } from "./eventually.js";
import { crdPath, testCluster, type TestCluster } from "./kube.js";
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from "./scim.js";

// The whole product as a user runs it: the operator (in process, or as `cli.ts run` child processes
// where a real SIGKILL is needed) against the test API server and the DigiCert simulator, driven
// over HTTP the way an IdP drives it.

export const SCIM_TOKEN = "e2e-scim-token-3b9f04d1";
export const TENANT = "acme";
export const LEASE = "digicert-access-operator";

/** Two mapped groups: PKI Admins get CertCentral Manager, DNS Team gets DNS Technical. */
export const MAPPED_GROUPS = { pki: "PKI Admins", dns: "DNS Team" } as const;

export interface Stack {
  cluster: TestCluster;
  s: RunningSimulator;
  /** Operator flags for one replica; `identity` names it in the Lease. */
  flags(identity: string): string[];
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Merged into the ScimTenant's spec (resyncPeriod, deprovision, …). */
  tenant?: Record<string, unknown>;
  /** Lease timings; client-go's defaults when absent. */
  lease?: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  /** Concurrent DigiCertUser reconciles (controllers.workers.digicertUser). */
  userWorkers?: number;
}

/**
 * A fresh namespace holding the example-shaped tenant (SCIM token and DigiCert credential Secrets,
 * CertCentral and DNS pointed at a fresh simulator) and the two GroupMappings, plus a config file
 * with provider timings sized for tests (retries in milliseconds, a breaker that recovers quickly).
 */
export async function startStack(prefix: string, options: StackOptions = {}): Promise<Stack> {
  const cluster = await testCluster(prefix);
  const s = await startSimulator({ certcentral: { rateLimits: [] } });
  const ns = cluster.namespace;
  await cluster.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "scim-tokens" }, stringData: { current: SCIM_TOKEN } } });
  await cluster.core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: "digicert" }, stringData: { certcentral: s.sim.options.certcentral.apiKeys[0]!, dns: s.sim.options.dns.apiKeys[0]! } },
  });
  const create = (kind: string, name: string, spec: unknown) =>
    cluster.custom.createNamespacedCustomObject({ ...crdPath(kind), namespace: ns, body: { apiVersion: API_VERSION, kind, metadata: { name }, spec } });
  const unlimited = [{ requests: 100_000, window: "1s" }];
  await create("ScimTenant", TENANT, {
    scim: { tokenSecretRefs: [{ name: "scim-tokens", key: "current" }] },
    services: [
      { service: "certcentral", credentialsSecretRef: { name: "digicert", key: "certcentral" }, endpoint: s.urls.certcentral, rateLimits: unlimited },
      { service: "dns", credentialsSecretRef: { name: "digicert", key: "dns" }, endpoint: s.urls.dns, rateLimits: unlimited },
    ],
    resyncPeriod: "1m",
    ...options.tenant,
  });
  await create("GroupMapping", "pki-admins", { tenantRef: { name: TENANT }, group: { displayName: MAPPED_GROUPS.pki }, grants: [{ service: "certcentral", role: "Manager" }] });
  await create("GroupMapping", "dns-team", { tenantRef: { name: TENANT }, group: { displayName: MAPPED_GROUPS.dns }, grants: [{ service: "dns", role: "Technical" }] });

  const configDir = await mkdtemp(join(tmpdir(), "dao-e2e-"));
  const configFile = join(configDir, "config.yaml");
  await writeFile(
    configFile,
    stringify({
      providers: { timeoutMs: 2_000, maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 40, breaker: { failureThreshold: 1_000, openMs: 100 } },
      ...(options.lease ? { runtime: { leaderElection: options.lease } } : {}),
      ...(options.userWorkers ? { controllers: { workers: { digicertUser: options.userWorkers } } } : {}),
    }),
  );
  return {
    cluster,
    s,
    flags: (identity) => [
      "--config", configFile,
      "--watch-namespace", ns,
      "--leader-election-namespace", ns,
      "--leader-election-identity", identity,
      "--scim-address", "127.0.0.1:0",
      "--metrics-address", "127.0.0.1:0",
    ],
    stop: async () => {
      await s.close();
      await rm(configDir, { recursive: true, force: true });
    },
  };
}

/** What the tests need of a running replica, in process or not. */
export interface Replica {
  identity: string;
  scimUrl: string;
  metricsUrl: string;
  stop(): Promise<void>;
}

/** One replica inside the test process, through the same entry point the CLI uses. */
export async function startReplica(stack: Stack, identity: string): Promise<Replica> {
  const operator = await startOperator(loadConfig(stack.flags(identity), {}), { kubeConfig: stack.cluster.kc, logger: silentLogger() });
  return { identity, scimUrl: operator.scimUrl, metricsUrl: operator.metricsUrl, stop: () => operator.stop() };
}

/** A stack served by one in-process replica, and the IdP's client for it. */
export interface SingleReplica {
  stack: Stack;
  replica: Replica;
  idp: IdpClient;
  stop(): Promise<void>;
}

export async function startSingleReplica(prefix: string, options: StackOptions = {}): Promise<SingleReplica> {
  const stack = await startStack(prefix, options);
  try {
    const replica = await startReplica(stack, "replica-a");
    return {
      stack,
      replica,
      idp: scimOver(replica, stack),
      stop: async () => {
        await replica.stop();
        await stack.stop();
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

/** One single-replica stack for a whole test file. */
export function useSingleReplica(prefix: string, options: StackOptions = {}): SingleReplica {
  const ctx = {} as SingleReplica;
  beforeAll(async () => {
    Object.assign(ctx, await startSingleReplica(prefix, options));
  });
  afterAll(() => ctx.stop?.());
  return ctx;
}

export interface ChildReplica extends Replica {
  /** SIGKILL: no shutdown hook runs, so the Lease is left held until it expires. */
  kill(): Promise<void>;
  output(): string;
}

/** One replica as its own `node src/cli.ts run` process, for kills no in-process stop can imitate. */
export async function spawnReplica(stack: Stack, identity: string): Promise<ChildReplica> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "run", ...stack.flags(identity)], {
    cwd: stack.cluster.repoRoot,
    env: { ...process.env, KUBECONFIG: stack.cluster.kubeconfig, DAO_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  try {
    const started = await eventually(() => {
      if (child.exitCode !== null) throw new Error(`operator ${identity} exited with ${child.exitCode}:\n${output}`);
      const line = output.split("\n").find((l) => l.includes('"operator started"'));
      if (!line) throw new Error(`operator ${identity} has not started yet`);
      return JSON.parse(line) as { scimUrl: string; metricsUrl: string };
    }, 30_000);
    return { identity, scimUrl: started.scimUrl, metricsUrl: started.metricsUrl, kill, stop: kill, output: () => output };
  } catch (err) {
    await kill();
    throw err;
  }
}

/** An IdP's view of the tenant over real HTTP; bodies are parsed JSON ({} when empty). */
// Tests read SCIM JSON freely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type IdpClient = (method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** The IdP's client for the tenant, through a replica's SCIM endpoint (the demo's client). */
export const scimOver = (replica: Replica, stack: Stack): IdpClient => scimClient(`${replica.scimUrl}/scim/v2/${stack.cluster.namespace}/${TENANT}`, SCIM_TOKEN);

/** Okta's assignment: a filter that finds nothing, then POST with the password placeholder; returns the id. */
export async function oktaAssign(idp: IdpClient, userName: string): Promise<string> {
  const search = await idp("GET", `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`);
  if (search.status !== 200 || search.body.totalResults !== 0) throw new Error(`search for ${userName}: ${search.status} ${JSON.stringify(search.body)}`);
  const res = await idp("POST", "/Users", {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: "New", familyName: "Hire" },
    emails: [{ primary: true, value: userName, type: "work" }],
    displayName: "New Hire",
    password: "1mz050nq",
    active: true,
  });
  if (res.status !== 201) throw new Error(`POST /Users ${userName}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Okta's group push: the group without members, then the membership as a PATCH delta; returns the id. */
export async function oktaPushGroup(idp: IdpClient, displayName: string, memberIds: string[]): Promise<string> {
  const res = await idp("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName, members: [] });
  if (res.status !== 201) throw new Error(`POST /Groups ${displayName}: ${res.status} ${JSON.stringify(res.body)}`);
  if (memberIds.length > 0) await oktaAddMembers(idp, res.body.id, memberIds);
  return res.body.id as string;
}

export async function oktaAddMembers(idp: IdpClient, groupId: string, memberIds: string[]): Promise<void> {
  const res = await idp("PATCH", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: memberIds.map((value) => ({ value })) }] });
  if (res.status !== 204) throw new Error(`PATCH /Groups/${groupId}: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function getUser(stack: Stack, id: string): Promise<DigiCertUser> {
  return (await stack.cluster.custom.getNamespacedCustomObject({ ...crdPath("DigiCertUser"), namespace: stack.cluster.namespace, name: id })) as DigiCertUser;
}

export async function getTenant(stack: Stack): Promise<ScimTenant> {
  return (await stack.cluster.custom.getNamespacedCustomObject({ ...crdPath("ScimTenant"), namespace: stack.cluster.namespace, name: TENANT })) as ScimTenant;
}

export async function listUsers(stack: Stack): Promise<DigiCertUser[]> {
  return ((await stack.cluster.custom.listNamespacedCustomObject({ ...crdPath("DigiCertUser"), namespace: stack.cluster.namespace })) as { items: DigiCertUser[] }).items;
}

/** The Lease's spec, or undefined before any replica created it. */
export async function readLease(stack: Stack): Promise<V1LeaseSpec | undefined> {
  const lease = await stack.cluster.kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace: stack.cluster.namespace, name: LEASE })
    .catch((err: unknown) => {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    });
  return lease?.spec;
}

export const leaseHolder = async (stack: Stack) => (await readLease(stack))?.holderIdentity ?? undefined;

/** The value of one exposition line (name plus labels, as prom-client prints them) on a replica's /metrics; NaN when absent. */
export async function metric(replica: Replica, line: string): Promise<number> {
  const text = await (await fetch(`${replica.metricsUrl}/metrics`)).text();
  return Number(text.split("\n").find((l) => l.startsWith(`${line} `))?.split(" ").at(-1) ?? NaN);
}

/** leader_election_master_status: 1 on the replica that leads. */
export const leads = (replica: Replica) => metric(replica, `leader_election_master_status{name="${LEASE}"}`);

interface CcUser {
  id: number;
  username: string;
  access_roles: { name: string }[];
}
interface DnsUser {
  userId: string;
  userName: string;
  status: "ACTIVE" | "SUSPENDED";
  userGroups: { name: string }[];
}

/** The users DigiCert holds, straight from the simulator (CertCentral's own API-key admin left out). */
export const remote = (stack: Stack) => ({
  certcentral: () => (stack.s.sim.certcentral.state() as { users: CcUser[] }).users.filter((u) => u.username !== "sim-admin"),
  dns: () => (stack.s.sim.dns.state() as { users: DnsUser[] }).users,
});

/** The last call's sequence number, to count calls made after it. */
export const lastCall = (stack: Stack) => stack.s.sim.calls.calls().at(-1)?.seq ?? 0;

// The controllers tests' readers of calls and status serve here unchanged.
export { condition, serviceState, writes } from "../integration/controllers/harness.js";
