import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";

export interface ProxiedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  watch: boolean;
  /** Status the proxy answered itself, when it did not forward. */
  injected?: number;
}

/**
 * A plain-HTTP reverse proxy in front of the REAL test API server, for fault injection: it can cut
 * open watch connections, hold back watch bytes, answer with an error status, or answer the next watch
 * with the 410 Expired event a compacted resourceVersion gets. Everything else is forwarded to and
 * answered by the real kube-apiserver.
 */
export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  #failStatus: number | undefined;
  #failNext: { status: number; matches: (request: ProxiedRequest) => boolean } | undefined;
  #expireNext: ((request: ProxiedRequest) => boolean) | undefined;
  #held = false;
  #watches = new Set<{ res: ServerResponse; upstream: IncomingMessage | undefined; buffered: Buffer[]; ended: boolean }>();

  private constructor(
    private readonly upstream: KubeConfig,
    private readonly server: Server,
  ) {}

  static async start(upstream: KubeConfig): Promise<FaultProxy> {
    let proxy!: FaultProxy;
    const server = createServer((req, res) => void proxy.#handle(req, res));
    proxy = new FaultProxy(upstream, server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A KubeConfig that talks to the API server through this proxy (which adds the credentials). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "proxy", server: this.url, skipTLSVerify: true }],
      users: [{ name: "proxy" }],
      contexts: [{ name: "proxy", cluster: "proxy", user: "proxy" }],
      currentContext: "proxy",
    });
    return kc;
  }

  /** The next request that `matches` is answered with this status and a Status body (once). */
  failNext(status: number, matches: (request: ProxiedRequest) => boolean): void {
    this.#failNext = { status, matches };
  }

  /** While set, every request is answered with this status and a Status body instead of being forwarded. */
  failWith(status: number | undefined): void {
    this.#failStatus = status;
  }

  /**
   * The next watch request that `matches` is answered the way kube-apiserver answers a watch from a
   * compacted resourceVersion: 200 and a single ERROR event carrying a 410 Expired Status.
   */
  expireNextWatch(matches: (request: ProxiedRequest) => boolean = () => true): void {
    this.#expireNext = matches;
  }

  /** Destroys every open watch connection, as a network failure would. Returns how many were cut. */
  cutWatches(): number {
    const count = this.#watches.size;
    for (const watch of this.#watches) {
      watch.res.socket?.destroy();
      watch.upstream?.destroy();
    }
    this.#watches.clear();
    return count;
  }

  /** Holds back (buffers) bytes of open watches until release(). */
  hold(): void {
    this.#held = true;
  }

  release(): void {
    this.#held = false;
    for (const watch of this.#watches) {
      for (const chunk of watch.buffered.splice(0)) watch.res.write(chunk);
      if (watch.ended) watch.res.end();
    }
  }

  openWatches(): number {
    return this.#watches.size;
  }

  async close(): Promise<void> {
    this.cutWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://proxy");
    const watch = url.searchParams.get("watch") === "true";
    const record: ProxiedRequest = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, watch };
    this.requests.push(record);
    let fail = this.#failStatus;
    if (fail === undefined && this.#failNext?.matches(record)) {
      fail = this.#failNext.status;
      this.#failNext = undefined;
    }
    if (fail !== undefined) {
      record.injected = fail;
      res.writeHead(fail, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: fail, reason: "InjectedFault", message: "injected by the test proxy" }));
      return;
    }
    if (watch && this.#expireNext?.(record)) {
      this.#expireNext = undefined;
      record.injected = 410;
      const status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Expired", code: 410, message: `too old resource version: ${url.searchParams.get("resourceVersion")}` };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
      return;
    }
    const cluster = this.upstream.getCurrentCluster()!;
    const options: Record<string, unknown> & { headers: Record<string, string> } = { headers: {} };
    await this.upstream.applyToHTTPSOptions(options);
    const headers = { ...req.headers, ...options.headers, host: new URL(cluster.server).host };
    const entry = { res, upstream: undefined as IncomingMessage | undefined, buffered: [] as Buffer[], ended: false };
    if (watch) this.#watches.add(entry);
    const upstreamReq = httpsRequest(
      new URL(url.pathname + url.search, cluster.server),
      { method: req.method, headers, ca: options.ca as Buffer, agent: false },
      (upstreamRes) => {
        entry.upstream = upstreamRes;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.on("data", (chunk: Buffer) => {
          if (watch && this.#held) entry.buffered.push(chunk);
          else res.write(chunk);
        });
        upstreamRes.on("end", () => {
          if (watch && this.#held) {
            entry.ended = true;
            return;
          }
          this.#watches.delete(entry);
          res.end();
        });
        upstreamRes.on("error", () => res.destroy());
      },
    );
    upstreamReq.on("error", () => res.destroy());
    res.on("close", () => {
      this.#watches.delete(entry);
      upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  }
}
