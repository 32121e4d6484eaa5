import { CONTROLLER_ERRORS, ControllerError } from "../errors.js";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/** Parses the Go duration subset the CRDs accept ("90s", "1h30m", "250ms") into milliseconds. */
export function parseDuration(text: string): number {
  if (!/^(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h))+$/.test(text)) {
    throw new ControllerError(CONTROLLER_ERRORS.BAD_DURATION, `not a duration: ${JSON.stringify(text)} (expected e.g. 30s, 10m, 1h30m)`);
  }
  let ms = 0;
  for (const [, value, unit] of text.matchAll(PART)) ms += Number(value) * UNIT_MS[unit!]!;
  return Math.round(ms);
}
