/** A control-plane failure a person can act on: what failed, and how to fix it. */
export class EnvtestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix: string,
    cause?: unknown,
  ) {
    super(`${message}\n  fix: ${fix}`, { cause });
    this.name = "EnvtestError";
  }
}
