/**
 * Provisioning 2,000 new CertCentral users into the simulator with CertCentral's two rolling windows
 * enforced on both sides. Target: done within 1.1x the rate-limit floor, zero 429s received, exactly
 * one create call per user.
 *
 * The windows are CertCentral's published ones scaled by 1/30 (100 per 167 ms and 1000 per 6 s
 * instead of 100 per 5 s and 1000 per 3 min) so the run takes ~20 s instead of ~10 min; the shape of
 * the problem (short burst window, long sustained window) is unchanged. The floor is the greedy
 * schedule of the calls needed under those windows (rateLimitFloorMs), and the baseline is the same
 * provisioning with no limits at all, measured in the same run.
 */
import type { BenchResult } from "../run.js";
import { certcentralProvider } from "../../src/providers/certcentral/index.js";
import { ProvidersConfigSchema } from "../../src/providers/config.js";
import { SharedHttpState, rateLimitFloorMs, type RateWindow } from "../../src/providers/index.js";
import { systemClock } from "../../src/runtime/timing.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";

const USERS = 2_000;
const CONCURRENCY = 50;
const SCALE = 30;
const WINDOWS: RateWindow[] = [
  { requests: 100, windowMs: Math.round(5_000 / SCALE) },
  { requests: 1000, windowMs: Math.round(180_000 / SCALE) },
];
/** Slack on every window for clock granularity between us and the server. */
const MARGIN_MS = 25;
/** Per new user: one lookup (look up before create) and one create. */
const CALLS_PER_USER = 2;

async function provision(s: RunningSimulator, windows: RateWindow[]): Promise<number> {
  const config = ProvidersConfigSchema.parse({ rateLimitMarginMs: MARGIN_MS });
  const client = certcentralProvider.newClient(
    { service: "certcentral", credentials: s.sim.options.certcentral.apiKeys[0]!, endpoint: s.urls.certcentral, rateLimits: windows },
    { config, shared: new SharedHttpState(systemClock, config) },
  );
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < USERS) {
        const i = next++;
        const who = `bench-${i}@example.com`;
        await client.ensureUser({ userName: who, email: who, givenName: "Bench", familyName: String(i) }, { roles: ["Standard User"] });
      }
    }),
  );
  return performance.now() - started;
}

export default async function providers(): Promise<BenchResult> {
  const baseline = await startSimulator({ certcentral: { rateLimits: [] } });
  const baselineMs = await provision(baseline, []).finally(() => baseline.close());

  const s = await startSimulator({ certcentral: { rateLimits: WINDOWS } });
  try {
    const elapsedMs = await provision(s, WINDOWS);
    const calls = s.sim.calls.calls({ plane: "certcentral" });
    const creates = calls.filter((c) => c.route === "POST /services/v2/user");
    const rejected429 = calls.filter((c) => c.status === 429).length;
    const users = (s.sim.certcentral.state() as { users: { username: string }[] }).users.filter((u) => u.username.startsWith("bench-"));
    const distinct = new Set(users.map((u) => u.username.toLowerCase())).size;
    const floorMs = rateLimitFloorMs(USERS * CALLS_PER_USER, WINDOWS);
    const realFloorMs = rateLimitFloorMs(USERS * CALLS_PER_USER, certcentralProvider.defaultRateLimits());
    const ratio = elapsedMs / floorMs;
    return {
      lines: [
        `windows: ${WINDOWS.map((w) => `${w.requests}/${w.windowMs} ms`).join(" + ")} (CertCentral's published limits scaled 1/${SCALE}); margin ${MARGIN_MS} ms; ${CONCURRENCY} workers`,
        `calls: ${calls.length} (${CALLS_PER_USER} per user: lookup + create), creates: ${creates.length}, 429s: ${rejected429}`,
        `unlimited baseline: ${(baselineMs / 1000).toFixed(2)} s for ${USERS} users`,
        `rate-limit floor: ${(floorMs / 1000).toFixed(2)} s; measured: ${(elapsedMs / 1000).toFixed(2)} s; ratio ${ratio.toFixed(3)}x floor`,
        `with the real limits the same floor is ${(realFloorMs / 60_000).toFixed(2)} min`,
      ],
      targets: [
        { name: "within 1.1x the rate-limit floor", met: ratio <= 1.1, detail: `${ratio.toFixed(3)}x` },
        { name: "zero 429 responses", met: rejected429 === 0, detail: `${rejected429}` },
        { name: "exactly one create per new user", met: creates.length === USERS && users.length === USERS && distinct === USERS, detail: `${creates.length} creates, ${users.length} users` },
      ],
    };
  } finally {
    await s.close();
  }
}
