import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";

/** A free TCP port on loopback, as chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Children are killed when this process exits for any reason, so a crashed test run leaves no orphans. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

export interface Managed {
  child: ChildProcess;
  logFile: string;
  /** Why the process ended early, if it did; checked while waiting for readiness. */
  exited(): string | undefined;
}

export function startProcess(name: string, binary: string, args: string[], logFile: string, attach: boolean): Managed {
  installExitHook();
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  const log = createWriteStream(logFile);
  for (const stream of [child.stdout, child.stderr]) {
    stream?.pipe(log, { end: false });
    if (attach) stream?.pipe(process.stderr, { end: false });
  }
  let exitReason: string | undefined;
  child.on("error", (err) => (exitReason = `${name} could not start: ${err.message}`));
  child.on("exit", (code, signal) => {
    live.delete(child);
    exitReason ??= `${name} exited (code ${code}, signal ${signal})`;
    log.end();
  });
  return { child, logFile, exited: () => exitReason };
}

/** SIGTERM, then SIGKILL after the grace period. */
export async function stopProcess(managed: Managed, graceMs = 10_000): Promise<void> {
  const { child } = managed;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(timer);
}

export async function logTail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}
