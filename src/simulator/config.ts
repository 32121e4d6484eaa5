import { z } from "zod";

const Window = z.object({ requests: z.number().int().min(1), windowMs: z.number().int().min(1) });

/**
 * Settings of the DigiCert simulator. Credentials default to fixed, obviously fake values so a
 * demo can print them; tests pass their own.
 */
export const SimulatorOptionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(0).describe("0 picks a free port."),
  host: z.string().default("127.0.0.1"),
  seed: z.number().int().default(1).describe("Seed of the fault dice, so a fault mix replays identically."),
  timeoutHangMs: z.number().int().min(1).default(30_000).describe("How long a 'timeout' fault holds the connection before cutting it."),
  certcentral: z
    .object({
      apiKeys: z.array(z.string().min(1)).default(["sim-certcentral-key"]),
      rateLimits: z.array(Window).default([
        { requests: 100, windowMs: 5_000 },
        { requests: 1000, windowMs: 180_000 },
      ]),
      accountManaged: z
        .boolean()
        .default(false)
        .describe("Users are managed from the DigiCert account: POST /user is refused and users appear (pending) only when they activate."),
      divisions: z.array(z.string()).default(["Engineering", "Finance", "Operations"]),
    })
    .prefault({}),
  digicertOne: z
    .object({
      apiKeys: z.array(z.string().min(1)).default(["sim-digicert-one-key"]),
      rateLimits: z.array(Window).default([]),
      errorDialect: z
        .enum(["errors", "error", "alternate"])
        .default("alternate")
        .describe('Error body shape: {"errors":[...]}, {"error":{...}}, or alternating between both.'),
    })
    .prefault({}),
  dns: z
    .object({
      apiKeys: z.array(z.string().min(1)).default(["sim-dns-key"]),
      tokenTtlMs: z.number().int().min(1).default(3_600_000),
      rateLimits: z.array(Window).default([]),
    })
    .prefault({}),
  accountScim: z
    .object({
      tokens: z.array(z.string().min(1)).default(["sim-scim-token"]),
      groups: z.array(z.string()).default(["CertCentral Administrators", "CertCentral Users", "Trust Lifecycle Managers", "Signers"]),
      foreignUserNames: z.array(z.string()).default([]).describe("Usernames that exist in another DigiCert account; creating them is refused."),
      rateLimits: z.array(Window).default([]),
    })
    .prefault({}),
});
export type SimulatorOptionsInput = z.input<typeof SimulatorOptionsSchema>;
export type SimulatorOptions = z.infer<typeof SimulatorOptionsSchema>;
