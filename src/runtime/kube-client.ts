import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { createInterface } from "node:readline";
import type { KubeConfig } from "@kubernetes/client-node";
import { RUNTIME_ERRORS, RuntimeError } from "./errors.js";

/** The part of a Kubernetes object the runtime relies on; everything else is carried through untouched. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: unknown[];
    deletionTimestamp?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestSpec {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Query;
  body?: unknown;
  /** Defaults to application/json; set a patch type (merge-patch+json, apply-patch+yaml) for PATCH. */
  contentType?: string;
  signal?: AbortSignal;
  /** Overrides the client's requestTimeoutMs for this call; 0 disables the timeout. */
  timeoutMs?: number;
}

export interface KubeClientOptions {
  /**
   * How long one request may take, from sending it to the last byte of the answer, before it fails
   * with RUNTIME_ERR_TIMEOUT. Defaults to 30 s. Without it, a keep-alive socket whose peer vanished
   * (half-open TCP) stalls the caller until the kernel gives up, which takes many minutes.
   */
  requestTimeoutMs?: number;
}

export interface WatchSpec {
  path: string;
  query?: Query;
  signal?: AbortSignal;
  /**
   * A stream that sends nothing (not even its headers or a bookmark) for this long is treated as dead. Defaults to
   * the server-side timeoutSeconds plus 30 s, so it only fires when the server failed to end the
   * watch itself (a half-open TCP connection, the failure that makes client-node 1.4.0's watch hang).
   */
  idleTimeoutMs?: number;
}

/** The collection path for a resource, across all namespaces when `namespace` is undefined. */
export function collectionPath(resource: { group: string; version: string; plural: string; namespace?: string }): string {
  const base = resource.group === "" ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const ns = resource.namespace === undefined ? "" : `/namespaces/${encodeURIComponent(resource.namespace)}`;
  return `${base}${ns}/${resource.plural}`;
}

/**
 * A small JSON client for the Kubernetes API on top of a client-node KubeConfig (which supplies
 * the credentials: token, token file, exec plugin or client certificate).
 *
 * Why not client-node's Watch and generated APIs for list/watch: in 1.4.0 the watch has no client
 * timeout (a half-open connection hangs forever) and every request builds a new https.Agent, which
 * leaks sockets across reconnects (kubernetes-client/javascript#2893). This client keeps one
 * keep-alive agent per TLS identity, puts a timeout on every request and an idle timeout on every
 * watch. Proxies configured in the kubeconfig are not supported here.
 */
export class KubeClient {
  readonly #kc: KubeConfig;
  readonly #server: URL;
  readonly #requestTimeoutMs: number;
  #agent: { key: string; agent: HttpAgent } | undefined;

  constructor(kc: KubeConfig, options: KubeClientOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new RuntimeError(RUNTIME_ERRORS.CONFIG, "the kubeconfig has no current cluster");
    this.#kc = kc;
    this.#server = new URL(cluster.server);
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /**
   * Sends one request and parses the JSON answer; non-2xx answers throw RuntimeError with the Status
   * reason, no complete answer within the timeout throws RUNTIME_ERR_TIMEOUT. When the caller's
   * signal aborts, the request ends with the AbortError as before.
   */
  async request<T>(spec: RequestSpec): Promise<T> {
    const method = spec.method ?? "GET";
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const timeoutMs = spec.timeoutMs ?? this.#requestTimeoutMs;
    // One controller for both causes, with listeners removed afterwards: AbortSignal.any() would tie
    // every request to a long-lived caller signal (an informer's) until garbage collection.
    const call = new AbortController();
    let timedOut = false;
    const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), call.abort()), timeoutMs) : undefined;
    timer?.unref();
    const onAbort = () => call.abort(spec.signal?.reason);
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const res = await this.#send(method, spec.path, spec.query, call.signal, body, spec.contentType);
      const text = await readAll(res);
      if ((res.statusCode ?? 0) >= 300) throw statusError(res.statusCode ?? 0, text, `${method} ${spec.path}`);
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        throw new RuntimeError(RUNTIME_ERRORS.DECODE, `${spec.path}: the answer is not JSON`, { cause });
      }
    } catch (err) {
      if (timedOut && !spec.signal?.aborted) {
        throw new RuntimeError(RUNTIME_ERRORS.TIMEOUT, `${method} ${spec.path}: no complete answer within ${timeoutMs} ms`, { cause: err });
      }
      throw err;
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Streams a watch, calling `onEvent` for each event. Resolves when the server ends the stream or
   * the signal aborts; rejects on a non-200 answer, a broken connection or the idle timeout
   * (RUNTIME_ERR_WATCH_IDLE), which runs from the moment the request is sent: a half-open connection
   * delivers no headers either. ERROR events are handed to `onEvent` like any other: the caller
   * decides what a 410 means. Watches get no request timeout; they are meant to last.
   */
  async watch(spec: WatchSpec, onEvent: (event: WatchEvent) => void): Promise<void> {
    if (spec.signal?.aborted) return;
    const query = { ...spec.query, watch: true };
    const idleMs = spec.idleTimeoutMs ?? (Number(spec.query?.timeoutSeconds ?? 300) + 30) * 1000;
    const call = new AbortController();
    const stop = () => call.abort();
    spec.signal?.addEventListener("abort", stop, { once: true });
    let idleFired = false;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => ((idleFired = true), call.abort()), idleMs);
    };
    armIdle();
    let failure: unknown;
    try {
      const res = await this.#send("GET", spec.path, query, call.signal);
      if (res.statusCode !== 200) throw statusError(res.statusCode ?? 0, await readAll(res), `watch ${spec.path}`);
      await this.#stream(spec.path, res, call.signal, armIdle, onEvent);
    } catch (err) {
      failure = err;
    } finally {
      clearTimeout(idle);
      spec.signal?.removeEventListener("abort", stop);
    }
    if (spec.signal?.aborted) return;
    if (idleFired) throw new RuntimeError(RUNTIME_ERRORS.WATCH_IDLE, `watch ${spec.path}: nothing received for ${idleMs} ms`);
    if (failure !== undefined) throw failure;
  }

  /** Reads newline-delimited events until the stream ends (resolves), breaks or `signal` aborts. */
  #stream(path: string, res: IncomingMessage, signal: AbortSignal, onActivity: () => void, onEvent: (event: WatchEvent) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        lines.close();
        res.destroy();
        // After an abort the caller decides what it means (stopped, or idle); any error is moot.
        if (err && !signal.aborted) reject(err);
        else resolve();
      };
      const onAbort = () => finish();
      signal.addEventListener("abort", onAbort, { once: true });
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines.on("line", (line) => {
        // readline may still hand over buffered lines after close(); nothing counts once settled.
        if (settled) return;
        onActivity();
        if (line.trim() === "") return;
        let event: WatchEvent;
        try {
          event = JSON.parse(line) as WatchEvent;
        } catch (cause) {
          finish(new RuntimeError(RUNTIME_ERRORS.DECODE, `watch ${path}: a line is not JSON`, { cause }));
          return;
        }
        try {
          onEvent(event);
        } catch (err) {
          finish(err instanceof Error ? err : new Error(String(err)));
        }
      });
      res.on("error", (cause) => finish(new RuntimeError(RUNTIME_ERRORS.NETWORK, `watch ${path}: ${cause.message}`, { cause })));
      res.on("aborted", () => finish(new RuntimeError(RUNTIME_ERRORS.NETWORK, `watch ${path}: the connection was cut`)));
      lines.on("close", () => finish());
      if (signal.aborted) finish();
    });
  }

  async #send(method: string, path: string, query: Query | undefined, signal: AbortSignal | undefined, body?: string, contentType?: string): Promise<IncomingMessage> {
    const url = new URL(this.#server.pathname.replace(/\/$/, "") + path, this.#server);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const options: RequestOptions & { ca?: unknown; cert?: unknown; key?: unknown; rejectUnauthorized?: boolean } = { headers: {} };
    await this.#kc.applyToHTTPSOptions(options);
    const headers: Record<string, string | number> = { ...(options.headers as Record<string, string>), accept: "application/json" };
    if (body !== undefined) {
      headers["content-type"] = contentType ?? "application/json";
      headers["content-length"] = Buffer.byteLength(body);
    }
    const agent = this.#agentFor(options);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, { method, headers, agent, signal }, resolve);
      req.on("error", (cause) =>
        reject(signal?.aborted ? cause : new RuntimeError(RUNTIME_ERRORS.NETWORK, `${method} ${path}: ${cause.message}`, { cause })),
      );
      req.end(body);
    });
  }

  /** One keep-alive agent per TLS identity; rebuilt only if the client certificate rotates. */
  #agentFor(options: { ca?: unknown; cert?: unknown; key?: unknown; rejectUnauthorized?: boolean; servername?: string | null }): HttpAgent {
    const tls = { ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: options.rejectUnauthorized, servername: options.servername ?? undefined };
    const key = [tls.ca, tls.cert, tls.key, tls.rejectUnauthorized, tls.servername].map((part) => String(part ?? "")).join("\u0000");
    if (this.#agent?.key !== key) {
      this.#agent?.agent.destroy();
      const agent =
        this.#server.protocol === "https:"
          ? new HttpsAgent({ ...(tls as object), keepAlive: true })
          : new HttpAgent({ keepAlive: true });
      this.#agent = { key, agent };
    }
    return this.#agent.agent;
  }

  /** Closes idle keep-alive sockets; open watches end through their own signals. */
  close(): void {
    this.#agent?.agent.destroy();
    this.#agent = undefined;
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", (cause) => reject(new RuntimeError(RUNTIME_ERRORS.NETWORK, cause.message, { cause })));
    // A connection cut mid-body may end with "close" alone; after "end" this reject is a no-op.
    res.on("close", () => reject(new RuntimeError(RUNTIME_ERRORS.NETWORK, "the connection closed before the answer was complete")));
  });
}

/** Turns a non-2xx answer (a Status object, usually) into a RuntimeError carrying code and reason. */
export function statusError(statusCode: number, body: string, what: string): RuntimeError {
  let reason: string | undefined;
  let message = body.slice(0, 300);
  try {
    const status = JSON.parse(body) as { reason?: string; message?: string };
    reason = status.reason;
    message = status.message ?? message;
  } catch {
    // not a Status: keep the raw (truncated) text
  }
  const code = statusCode === 410 ? RUNTIME_ERRORS.GONE : RUNTIME_ERRORS.HTTP;
  return new RuntimeError(code, `${what}: ${statusCode} ${reason ?? ""} ${message}`.replace(/\s+/g, " ").trim(), { statusCode, reason });
}

/** True for an error that means "the object is not there". */
export const isNotFound = (err: unknown): boolean => err instanceof RuntimeError && err.statusCode === 404;
/** True for an optimistic-concurrency conflict or an AlreadyExists race. */
export const isConflict = (err: unknown): boolean => err instanceof RuntimeError && err.statusCode === 409;
