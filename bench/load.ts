/**
 * A small HTTP load generator on node's keep-alive http.Agent, used with the same settings for a
 * suite's subject and its baseline so the ratio between them is what gets reported. runLoad runs it
 * in a child process, as a remote client would be, so generating load does not share the server's
 * event loop.
 */
import { fork } from "node:child_process";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";

/** A serialisable description of the requests: paths are used in turn; "{i}" in path or body is the request's index. */
export interface LoadSpec {
  mode: "closed" | "open";
  port: number;
  method: string;
  paths: string[];
  headers?: Record<string, string>;
  body?: string;
  /** closed loop */
  connections?: number;
  durationMs?: number;
  /** open loop */
  rate?: number;
  count?: number;
  /** Statuses that count as success; defaults to 2xx. */
  okStatuses?: number[];
}

export function requestsOf(spec: LoadSpec): (i: number) => LoadRequest {
  return (i) => ({
    method: spec.method,
    path: spec.paths[i % spec.paths.length]!.replaceAll("{i}", String(i)),
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(spec.body !== undefined ? { body: spec.body.replaceAll("{i}", String(i)) } : {}),
  });
}

export function runSpec(spec: LoadSpec): Promise<LoadResult> {
  const ok = spec.okStatuses ? (s: number) => spec.okStatuses!.includes(s) : undefined;
  return spec.mode === "closed"
    ? closedLoop(spec.port, requestsOf(spec), { connections: spec.connections ?? 16, durationMs: spec.durationMs ?? 5000, ...(ok ? { ok } : {}) })
    : openLoop(spec.port, requestsOf(spec), { rate: spec.rate ?? 25, count: spec.count ?? 250, ...(ok ? { ok } : {}) });
}

/** Runs the load in a child process and returns its figures. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("./load-child.ts", import.meta.url)), { execArgv: ["--import", "tsx"], stdio: "inherit" });
    child.once("message", (result) => {
      resolve(result as LoadResult);
      child.kill();
    });
    child.once("error", reject);
    child.once("exit", (code) => code !== 0 && code !== null && reject(new Error(`load generator exited with ${code}`)));
    child.send(spec);
  });
}

export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Status codes seen, with counts. */
  statuses: Record<string, number>;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

function send(agent: Agent, port: number, req: LoadRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request({ host: "127.0.0.1", port, agent, method: req.method, path: req.path, headers: req.headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    r.on("error", reject);
    r.end(req.body);
  });
}

function summarise(latencies: number[], statuses: Record<string, number>, errors: number, elapsedMs: number): LoadResult {
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: latencies.length, errors, statuses, rps: (latencies.length / elapsedMs) * 1000, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** `connections` clients each send the next request as soon as the previous answer arrives. */
export async function closedLoop(port: number, next: (i: number) => LoadRequest, options: { connections: number; durationMs: number; ok?: (status: number) => boolean }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const ok = options.ok ?? ((s) => s >= 200 && s < 300);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let i = 0;
  const start = performance.now();
  const deadline = start + options.durationMs;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          const status = await send(agent, port, next(i++));
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (!ok(status)) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = performance.now() - start;
  agent.destroy();
  return summarise(latencies, statuses, errors, elapsed);
}

/** Requests sent at a fixed rate whatever the answers' latency (latency measured from the scheduled time). */
export async function openLoop(port: number, next: (i: number) => LoadRequest, options: { rate: number; count: number; ok?: (status: number) => boolean }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const ok = options.ok ?? ((s) => s >= 200 && s < 300);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < options.count; i++) {
    const scheduled = start + (i * 1000) / options.rate;
    const wait = scheduled - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      send(agent, port, next(i)).then(
        (status) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (!ok(status)) errors++;
          latencies.push(performance.now() - scheduled);
        },
        () => {
          errors++;
          latencies.push(performance.now() - scheduled);
        },
      ),
    );
  }
  await Promise.all(inflight);
  const elapsed = performance.now() - start;
  agent.destroy();
  return summarise(latencies, statuses, errors, elapsed);
}
