/**
 * Closed-loop load from wrk (a C load generator; Debian package `wrk`) when it is installed. A node
 * client parsing large bodies spends CPU that a tiny baseline response does not, on the same cores
 * as the server, and so understates throughput for large responses; wrk reads responses at a small
 * fraction of that cost. Requests are precomputed in wrk's Lua state and rotated, the same way for a
 * subject and its baseline.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "./load.js";

export interface WrkSpec {
  port: number;
  paths: string[];
  headers?: Record<string, string>;
  connections: number;
  durationMs: number;
  threads: number;
}

/** The wrk version line, or undefined when wrk is not on PATH. */
export function wrkVersion(): string | undefined {
  try {
    // `wrk -v` prints its version and exits 1.
    execFileSync("wrk", ["-v"], { stdio: "pipe" });
  } catch (err) {
    const out = String((err as { stdout?: Buffer }).stdout ?? "");
    if (out.startsWith("wrk ")) return out.split("\n")[0]!.trim();
  }
  return undefined;
}

const lua = (spec: WrkSpec) => `
local paths = { ${spec.paths.map((p) => JSON.stringify(p)).join(", ")} }
local reqs, i = {}, 0
${Object.entries(spec.headers ?? {})
  .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
  .join("\n")}
function init(args)
  for n, p in ipairs(paths) do reqs[n] = wrk.format("GET", p) end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"durationUs":%d,"errors":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

export async function runWrk(spec: WrkSpec): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), "bench-wrk-"));
  try {
    const script = join(dir, "load.lua");
    await writeFile(script, lua(spec));
    const args = ["-t", String(spec.threads), "-c", String(spec.connections), "-d", `${Math.round(spec.durationMs / 1000)}s`, "-s", script, `http://127.0.0.1:${spec.port}`];
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile("wrk", args, { maxBuffer: 1 << 20 }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
    const r = JSON.parse(line.slice("RESULT ".length)) as { requests: number; durationUs: number; errors: number; p50Us: number; p99Us: number };
    return { requests: r.requests, errors: r.errors, statuses: {}, rps: r.requests / (r.durationUs / 1e6), p50Ms: r.p50Us / 1000, p99Ms: r.p99Us / 1000 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
