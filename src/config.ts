import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ControllersConfigSchema } from "./controllers/config.js";
import { OperatorError, messageOf } from "./errors.js";
import { ProvidersConfigSchema } from "./providers/config.js";
import { RuntimeConfigSchema } from "./runtime/config.js";
import { ScimConfigSchema } from "./scim/config.js";

/**
 * Every setting of the operator process, in one schema, parsed once at start-up, frozen, and passed
 * down; no other module reads process.env. Sources, later ones winning: the schema's defaults, a
 * YAML config file (--config / DAO_CONFIG, any key of this schema), environment variables, flags.
 * Subsystems own their sections' schemas (runtime, providers, …); this file only composes them.
 */
export const OperatorConfigSchema = z.object({
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info").describe("Log level. Defaults to info."),
  kubeconfig: z.string().optional().describe("Path to a kubeconfig; defaults to in-cluster config, then ~/.kube/config."),
  watchNamespace: z.string().optional().describe("Only serve and reconcile this namespace. Defaults to every namespace."),
  scimAddress: z.string().default("0.0.0.0:8080").describe("host:port of the SCIM endpoint. Defaults to 0.0.0.0:8080."),
  metricsAddress: z.string().default("0.0.0.0:9090").describe("host:port serving /metrics, /healthz and /readyz. Defaults to 0.0.0.0:9090."),
  leaderElection: z
    .object({
      enabled: z.boolean().default(true).describe("Run controllers only on the replica holding the Lease. Defaults to true."),
      namespace: z.string().default("digicert-access-system").describe("Namespace of the Lease. Defaults to digicert-access-system."),
      leaseName: z.string().default("digicert-access-operator").describe("Name of the Lease. Defaults to digicert-access-operator."),
      identity: z.string().min(1).optional().describe("This replica's identity; defaults to the pod name (POD_NAME) plus a random suffix."),
    })
    .prefault({}),
  runtime: RuntimeConfigSchema.prefault({}).describe("Controller runtime tuning: lease timings, informers, shutdown."),
  providers: ProvidersConfigSchema.prefault({}).describe("Shared DigiCert HTTP layer: timeouts, retries, breaker."),
  scim: ScimConfigSchema.prefault({}).describe("SCIM receiver limits, auth throttling and caches."),
  controllers: ControllersConfigSchema.prefault({}).describe("Controller workers, field manager and drift-check pacing."),
});
export type OperatorConfig = z.infer<typeof OperatorConfigSchema>;

type Leaf = { path: string[]; env: string; flag: string; type: "string" | "boolean" | "number" };

/** Where each setting can come from. Flags are --kebab-case, variables DAO_SCREAMING_CASE. */
const SOURCES: Leaf[] = [
  { path: ["configFile"], env: "DAO_CONFIG", flag: "config", type: "string" },
  { path: ["logLevel"], env: "DAO_LOG_LEVEL", flag: "log-level", type: "string" },
  { path: ["kubeconfig"], env: "KUBECONFIG", flag: "kubeconfig", type: "string" },
  { path: ["watchNamespace"], env: "DAO_WATCH_NAMESPACE", flag: "watch-namespace", type: "string" },
  { path: ["scimAddress"], env: "DAO_SCIM_ADDRESS", flag: "scim-address", type: "string" },
  { path: ["metricsAddress"], env: "DAO_METRICS_ADDRESS", flag: "metrics-address", type: "string" },
  { path: ["leaderElection", "enabled"], env: "DAO_LEADER_ELECT", flag: "leader-elect", type: "boolean" },
  { path: ["leaderElection", "namespace"], env: "DAO_LEADER_ELECTION_NAMESPACE", flag: "leader-election-namespace", type: "string" },
  { path: ["leaderElection", "leaseName"], env: "DAO_LEADER_ELECTION_LEASE", flag: "leader-election-lease", type: "string" },
  { path: ["leaderElection", "identity"], env: "POD_NAME", flag: "leader-election-identity", type: "string" },
];

export class ConfigError extends OperatorError {
  constructor(readonly problems: string[]) {
    super("CONFIG_ERR_INVALID", `invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

function convert(leaf: Leaf, raw: string, problems: string[]): unknown {
  if (leaf.type === "boolean") {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    problems.push(`--${leaf.flag} / ${leaf.env}: expected true or false, got "${raw}"`);
    return undefined;
  }
  if (leaf.type === "number") {
    const n = Number(raw);
    if (raw.trim() === "" || Number.isNaN(n)) problems.push(`--${leaf.flag} / ${leaf.env}: expected a number, got "${raw}"`);
    return n;
  }
  return raw;
}

function assign(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1] as string] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Parses flags and environment into the frozen config, or throws a ConfigError listing every problem. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Readonly<OperatorConfig> {
  const problems: string[] = [];
  const known = new Set(SOURCES.map((s) => s.flag));
  const { values, positionals } = parseArgs({
    args: argv,
    options: Object.fromEntries(SOURCES.map((s) => [s.flag, { type: "string" as const }])),
    strict: false,
    allowPositionals: true,
  });
  const flags: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(values)) {
    if (!known.has(name)) problems.push(`unknown flag --${name}`);
    else if (typeof value !== "string") problems.push(`--${name} needs a value`);
    else flags[name] = value;
  }
  for (const extra of positionals) problems.push(`unexpected argument "${extra}"`);
  let raw: Record<string, unknown> = {};
  const configFile = flags.config ?? env.DAO_CONFIG;
  if (configFile) {
    try {
      const fromFile: unknown = parseYaml(readFileSync(configFile, "utf8"));
      if (fromFile !== null && typeof fromFile === "object" && !Array.isArray(fromFile)) raw = fromFile as Record<string, unknown>;
      else if (fromFile !== null) problems.push(`${configFile}: expected a YAML mapping of settings`);
    } catch (err) {
      problems.push(`${configFile}: ${messageOf(err)}`);
    }
  }
  for (const leaf of SOURCES) {
    if (leaf.path[0] === "configFile") continue;
    const value = flags[leaf.flag] ?? env[leaf.env];
    if (value !== undefined && value !== "") assign(raw, leaf.path, convert(leaf, value, problems));
  }
  const parsed = OperatorConfigSchema.strict().safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const leaf = SOURCES.find((s) => s.path.join(".") === issue.path.join("."));
      problems.push(`${leaf ? `--${leaf.flag} / ${leaf.env}` : issue.path.join(".")}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return deepFreeze(parsed.data);
}
