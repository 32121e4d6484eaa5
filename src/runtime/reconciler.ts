import type { Logger } from "../observability/logger.js";
import { OperatorError } from "../errors.js";

/**
 * What to reconcile: only the object's identity, never the event that caused it. A reconciler
 * re-reads current state (from an informer cache) and drives the world toward it, so missed,
 * repeated or merged events do no harm (level-based, as in controller-runtime).
 */
export interface ReconcileRequest {
  /** Undefined for cluster-scoped objects. */
  namespace: string | undefined;
  name: string;
}

export interface ReconcileResult {
  /** Reconcile this object again after this long (e.g. a periodic drift check). Honoured on success only. */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  /**
   * Aborts when the controller's graceful shutdown period is over (after a shutdown or lost
   * leadership, a running reconcile may finish first): then stop early and write nothing more.
   */
  signal: AbortSignal;
  /** Bound to controller, namespace, name and a reconcileId. */
  logger: Logger;
}

/**
 * The contract every controller implements. Resolving = success (the item's backoff is reset);
 * throwing = retry with per-item exponential backoff; throwing a TerminalError = give up on this
 * version of the object (counted, logged, not retried until something enqueues it again).
 */
export interface Reconciler {
  reconcile(request: ReconcileRequest, context: ReconcileContext): Promise<ReconcileResult | void>;
}

/**
 * An error that retrying cannot fix (an invalid spec, an unknown service): the controller counts it
 * in controller_runtime_terminal_reconcile_errors_total and does not requeue. Carries a stable code
 * like every OperatorError.
 */
export class TerminalError extends OperatorError {}

/** True if the error, or any error in its cause chain, is a TerminalError (errors.Is semantics). */
export function isTerminalError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof TerminalError) return true;
  }
  return false;
}

/**
 * The JavaScript counterpart of a Go panic: a programming error rather than a failure of the
 * outside world (TypeError, ReferenceError, RangeError, SyntaxError) or a thrown non-Error value.
 */
export function isPanic(err: unknown): boolean {
  return !(err instanceof Error) || err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError;
}
