import { createServer as createHttpServer, type ServerResponse } from "node:http";
import { type AddressInfo, type Server, type Socket, createServer } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { KubeClient } from "./kube-client.js";

// Unit tests of the client's own timeouts against local servers that misbehave the way a half-open
// connection does (accept, then never answer); everything else is covered against the real API server.

const servers: Server[] = [];
const clients: KubeClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Accepts TCP connections, reads what is sent and never answers; `closed` counts connections the client ended. */
async function stalledServer(): Promise<{ url: string; sockets: Socket[]; closed: () => number }> {
  const sockets: Socket[] = [];
  let closed = 0;
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.resume();
    socket.on("close", () => closed++);
  });
  // close() waits for open connections; these never end on their own.
  const close = server.close.bind(server);
  server.close = (cb?: (err?: Error) => void) => (sockets.forEach((s) => s.destroy()), close(cb));
  return { url: await listen(server), sockets, closed: () => closed };
}

function client(url: string, options?: ConstructorParameters<typeof KubeClient>[1]): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // Plain HTTP needs skipTLSVerify in client-node 1.4.0, as in test/helpers/fault-proxy.ts.
    clusters: [{ name: "c", server: url, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "c", cluster: "c", user: "u" }],
    currentContext: "c",
  });
  const c = new KubeClient(kc, options);
  clients.push(c);
  return c;
}

const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value, error: undefined as unknown }),
    (error: unknown) => ({ value: undefined, error }),
  );

describe("KubeClient request timeout", () => {
  it("fails a request the server never answers with RUNTIME_ERR_TIMEOUT after the client's timeout", async () => {
    const { url, sockets, closed } = await stalledServer();
    const started = Date.now();
    const { error } = await settle(client(url, { requestTimeoutMs: 300 }).request({ path: "/api/v1/namespaces" }));
    expect(error).toMatchObject({ code: "RUNTIME_ERR_TIMEOUT", message: "GET /api/v1/namespaces: no complete answer within 300 ms" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(sockets).toHaveLength(1);
    // The stalled socket is given up, not returned to the keep-alive pool for the next request.
    await expect.poll(closed).toBe(1);
  });

  it("lets one call override the client's timeout", async () => {
    const { url } = await stalledServer();
    const { error } = await settle(client(url, { requestTimeoutMs: 60_000 }).request({ method: "PUT", path: "/x", body: {}, timeoutMs: 200 }));
    expect(error).toMatchObject({ code: "RUNTIME_ERR_TIMEOUT", message: "PUT /x: no complete answer within 200 ms" });
  });

  it("times out an answer that stalls halfway through its body", async () => {
    let response: ServerResponse | undefined;
    const url = await listen(
      createHttpServer((_req, res) => {
        response = res;
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"items": [');
      }),
    );
    const { error } = await settle(client(url, { requestTimeoutMs: 300 }).request({ path: "/api/v1/configmaps" }));
    response?.destroy();
    expect(error).toMatchObject({ code: "RUNTIME_ERR_TIMEOUT" });
  });

  it("still ends with the caller's own abort, not a timeout, when the caller aborts first", async () => {
    const { url } = await stalledServer();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const { error } = await settle(client(url, { requestTimeoutMs: 5_000 }).request({ path: "/x", signal: abort.signal }));
    expect(error).toMatchObject({ name: "AbortError" });
  });
});

describe("KubeClient watch idle timeout", () => {
  it("counts the wait for the response headers as idle time", async () => {
    const { url } = await stalledServer();
    const events: unknown[] = [];
    const { error } = await settle(client(url).watch({ path: "/api/v1/configmaps", idleTimeoutMs: 300 }, (e) => events.push(e)));
    expect(error).toMatchObject({ code: "RUNTIME_ERR_WATCH_IDLE", message: "watch /api/v1/configmaps: nothing received for 300 ms" });
    expect(events).toEqual([]);
  });

  it("is not subject to the request timeout: a watch that keeps delivering lasts", async () => {
    let response: ServerResponse | undefined;
    const url = await listen(
      createHttpServer((_req, res) => {
        response = res;
        res.writeHead(200, { "content-type": "application/json" });
        let n = 0;
        const tick = setInterval(() => {
          if (res.destroyed) return clearInterval(tick);
          res.write(`${JSON.stringify({ type: "BOOKMARK", object: { metadata: { resourceVersion: String(++n) } } })}\n`);
          if (n === 8) (clearInterval(tick), res.end());
        }, 50);
      }),
    );
    const events: unknown[] = [];
    // 8 events 50 ms apart: longer than the request timeout in total, never idle for 200 ms.
    await client(url, { requestTimeoutMs: 150 }).watch({ path: "/w", idleTimeoutMs: 200 }, (e) => events.push(e));
    response?.destroy();
    expect(events).toHaveLength(8);
  });
});
