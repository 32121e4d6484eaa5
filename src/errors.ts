/**
 * Every error the operator raises on purpose carries a stable code (SUBSYSTEM_ERR_WHAT, listed in
 * the subsystem's own code registry) and, where one exists, the error that caused it. Logs, Events,
 * conditions and SCIM error bodies use the code; the message is for people.
 */
export class OperatorError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export const isOperatorError = (err: unknown, code?: string): err is OperatorError =>
  err instanceof OperatorError && (code === undefined || err.code === code);

/** The message of anything thrown, without assuming it is an Error. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
