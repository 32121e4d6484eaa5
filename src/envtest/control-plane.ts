import { generateKeyPairSync, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import type { ControlPlaneBinaries } from "./assets.js";
import { EnvtestError } from "./errors.js";
import { type Managed, freePort, logTail, startProcess, stopProcess } from "./processes.js";

export interface ControlPlaneOptions {
  binaries: ControlPlaneBinaries;
  /** Copy the processes' output to stderr (KUBEBUILDER_ATTACH_CONTROL_PLANE_OUTPUT=true). */
  attachOutput?: boolean;
  /** Defaults to 60 s; a cold start on 2 busy cores can take 20 s. */
  startTimeoutMs?: number;
}

/**
 * One etcd and one kube-apiserver on free loopback ports, the way controller-runtime's envtest runs
 * them: RBAC on, service-account signing keys set (TokenRequest works), an admin token in
 * system:masters. No scheduler, controller-manager or kubelet: Pods never run, namespaces never
 * finish deleting and owner references are never garbage-collected.
 */
export class LocalControlPlane {
  private constructor(
    readonly dir: string,
    readonly server: string,
    readonly caFile: string,
    readonly adminToken: string,
    readonly kubeconfigPath: string,
    readonly binaries: ControlPlaneBinaries,
    private readonly processes: Managed[],
  ) {}

  static async start(options: ControlPlaneOptions): Promise<LocalControlPlane> {
    const dir = await mkdtemp(join(tmpdir(), "dao-controlplane-"));
    const processes: Managed[] = [];
    try {
      const attach = options.attachOutput ?? false;
      const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
      const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
      const etcdUrl = `http://127.0.0.1:${etcdPort}`;
      const peerUrl = `http://127.0.0.1:${peerPort}`;
      const etcd = startProcess(
        "etcd",
        options.binaries.etcd,
        [
          "--name=envtest",
          `--data-dir=${join(dir, "etcd")}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=envtest=${peerUrl}`,
          "--unsafe-no-fsync=true",
          "--log-level=warn",
        ],
        join(dir, "etcd.log"),
        attach,
      );
      processes.push(etcd);
      await waitHealthy("etcd", etcd, deadline, () => httpGet(`${etcdUrl}/health`));

      const certDir = join(dir, "certs");
      await mkdir(certDir);
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      await writeFile(join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
      await writeFile(join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
      const adminToken = randomBytes(24).toString("hex");
      await writeFile(join(dir, "tokens.csv"), `${adminToken},envtest-admin,envtest-admin,"system:masters"\n`, { mode: 0o600 });
      const server = `https://127.0.0.1:${apiPort}`;
      const apiserver = startProcess(
        "kube-apiserver",
        options.binaries.kubeApiserver,
        [
          `--etcd-servers=${etcdUrl}`,
          `--secure-port=${apiPort}`,
          "--bind-address=127.0.0.1",
          "--advertise-address=127.0.0.1",
          `--cert-dir=${certDir}`,
          "--service-cluster-ip-range=10.0.0.0/24",
          "--authorization-mode=RBAC",
          "--disable-admission-plugins=ServiceAccount",
          "--allow-privileged=true",
          `--token-auth-file=${join(dir, "tokens.csv")}`,
          `--service-account-issuer=${server}/`,
          `--service-account-key-file=${join(dir, "sa.pub")}`,
          `--service-account-signing-key-file=${join(dir, "sa.key")}`,
          "--enable-priority-and-fairness=false",
          "--profiling=false",
          "--v=0",
        ],
        join(dir, "kube-apiserver.log"),
        attach,
      );
      processes.push(apiserver);
      const caFile = join(certDir, "apiserver.crt");
      await waitHealthy("kube-apiserver", apiserver, deadline, async () => {
        const ca = await readFile(caFile);
        return httpsGet(`${server}/readyz`, ca, adminToken);
      });

      const kubeconfigPath = join(dir, "kubeconfig");
      await writeFile(kubeconfigPath, kubeconfigYaml(server, caFile, adminToken), { mode: 0o600 });
      return new LocalControlPlane(dir, server, caFile, adminToken, kubeconfigPath, options.binaries, processes);
    } catch (err) {
      await Promise.all(processes.map((p) => stopProcess(p, 2_000)));
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Stops kube-apiserver, then etcd, and removes every temporary file. */
  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await stopProcess(p);
    await rm(this.dir, { recursive: true, force: true });
  }

  get pids(): number[] {
    return this.processes.map((p) => p.child.pid ?? -1);
  }
}

export function kubeconfigYaml(server: string, caFile: string, token: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "envtest", cluster: { server, "certificate-authority": caFile } }],
    users: [{ name: "envtest-admin", user: { token } }],
    contexts: [{ name: "envtest", context: { cluster: "envtest", user: "envtest-admin", namespace: "default" } }],
    "current-context": "envtest",
  });
}

async function waitHealthy(name: string, managed: Managed, deadline: number, probe: () => Promise<number>): Promise<void> {
  let last = "no answer yet";
  while (Date.now() < deadline) {
    const exited = managed.exited();
    if (exited) {
      throw new EnvtestError(
        "ENVTEST_START_FAILED",
        `${exited}; last output:\n${await logTail(managed.logFile)}`,
        "check the flags and binaries above; set KUBEBUILDER_ATTACH_CONTROL_PLANE_OUTPUT=true to see everything",
      );
    }
    try {
      const status = await probe();
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new EnvtestError(
    "ENVTEST_START_TIMEOUT",
    `${name} was not healthy before the deadline (last probe: ${last}); last output:\n${await logTail(managed.logFile)}`,
    "the machine may be overloaded: raise startTimeoutMs, or set KUBEBUILDER_ATTACH_CONTROL_PLANE_OUTPUT=true to watch it start",
  );
}

function httpGet(url: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { timeout: 2_000 }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", fail);
    req.end();
  });
}

function httpsGet(url: string, ca: Buffer, token: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = httpsRequest(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2_000 }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", fail);
    req.end();
  });
}
