import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/**
 * Paths pino replaces with "[redacted]" before a line is written. Secrets must never reach logs
 * (DESIGN invariant 8); anything that could hold a token, an API key or a password is listed here,
 * at the depths our log lines use.
 */
export const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "*.*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  'req.headers["x-dc-devkey"]',
  'req.headers["x-api-key"]',
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
  "api_key",
  "*.api_key",
  "password",
  "*.password",
  "*.*.password",
  "secret",
  "*.secret",
  "scimToken",
  "*.scimToken",
];

export interface LoggerSettings {
  level: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to assert on what was logged. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { service: "digicert-access-operator" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination as pino.DestinationStream) : pino(options);
}

/** A logger that drops everything, for code paths that are handed no logger. */
export const silentLogger = (): Logger => pino({ level: "silent" });
