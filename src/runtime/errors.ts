import { OperatorError } from "../errors.js";

/** Stable codes for errors raised by the generic controller machinery. */
export const RUNTIME_ERRORS = {
  /** The API server answered with a non-2xx status. */
  HTTP: "RUNTIME_ERR_HTTP",
  /** The request never got an answer (connection refused, reset, TLS failure). */
  NETWORK: "RUNTIME_ERR_NETWORK",
  /** A resourceVersion or continue token is too old (HTTP 410 or a watch ERROR event with code 410). */
  GONE: "RUNTIME_ERR_GONE",
  /** A request got no complete answer within its timeout (a stalled server or a half-open connection). */
  TIMEOUT: "RUNTIME_ERR_TIMEOUT",
  /** A watch stream stayed silent longer than the server's own timeout allows. */
  WATCH_IDLE: "RUNTIME_ERR_WATCH_IDLE",
  /** The API server sent something that is not the JSON we asked for. */
  DECODE: "RUNTIME_ERR_DECODE",
  /** The work queue was shut down; nothing more can be added or taken. */
  QUEUE_SHUT_DOWN: "RUNTIME_ERR_QUEUE_SHUT_DOWN",
  /** A reconciler threw or rejected. */
  RECONCILE: "RUNTIME_ERR_RECONCILE",
  /** Leader election could not read, create or update its Lease. */
  LEASE: "RUNTIME_ERR_LEASE",
  /** A runnable of the manager failed. */
  RUNNABLE: "RUNTIME_ERR_RUNNABLE",
  /** Options handed to the runtime are unusable. */
  CONFIG: "RUNTIME_ERR_CONFIG",
} as const;

export type RuntimeErrorCode = (typeof RUNTIME_ERRORS)[keyof typeof RUNTIME_ERRORS];

export class RuntimeError extends OperatorError {
  constructor(
    code: RuntimeErrorCode,
    message: string,
    options?: { cause?: unknown; statusCode?: number; reason?: string },
  ) {
    super(code, message, options);
    this.statusCode = options?.statusCode;
    this.reason = options?.reason;
  }
  /** HTTP status for RUNTIME_ERR_HTTP / RUNTIME_ERR_GONE. */
  readonly statusCode: number | undefined;
  /** The Status `reason` the API server gave (NotFound, Conflict, Expired …), when it gave one. */
  readonly reason: string | undefined;
}
