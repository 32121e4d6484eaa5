import { type AddressInfo, type Socket, createServer } from "node:net";
import { Writable } from "node:stream";
import { KubeConfig } from "@kubernetes/client-node";
import { expect, it } from "vitest";
import { createLogger } from "../observability/logger.js";
import { KubeClient } from "./kube-client.js";
import { LeaderElector } from "./leader-election.js";

// The election itself is tested against the real API server (test/integration/runtime); this is the
// one case that server cannot produce: a candidate whose connection stalls without an answer.
it("bounds a candidate's acquire attempt by the renew deadline, so a stalled connection does not stall the campaign", async () => {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket.resume()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "c", cluster: "c", user: "u" }],
    currentContext: "c",
  });
  // The client's own 30 s default is far longer than this test: only the elector's bound can end an attempt.
  const client = new KubeClient(kc);
  const lines: Array<{ msg?: string; code?: string }> = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as { msg?: string; code?: string });
      cb();
    },
  });
  const elector = new LeaderElector({
    client,
    namespace: "ns",
    name: "lease",
    identity: "me",
    leaseDurationMs: 3_000,
    renewDeadlineMs: 400,
    retryPeriodMs: 100,
    logger: createLogger({ level: "debug", destination }),
  });
  const abort = new AbortController();
  const running = elector.run(abort.signal, { onStartedLeading: () => {} });
  try {
    // Each attempt gives up after 400 ms and the next one opens a fresh connection.
    await expect.poll(() => sockets.length, { timeout: 4_000 }).toBeGreaterThanOrEqual(3);
    expect(lines.filter((l) => l.msg === "lease acquire/renew failed").map((l) => l.code)).toContain("RUNTIME_ERR_TIMEOUT");
    expect(elector.isLeader()).toBe(false);
  } finally {
    abort.abort();
    for (const socket of sockets) socket.destroy();
    await running;
    client.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
