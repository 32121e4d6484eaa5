import { describe, expect, it } from "vitest";
import { MAX_CONDITION_MESSAGE, findCondition, isConditionTrue, setCondition } from "./conditions.js";

const t0 = new Date("2026-12-03T10:00:00.123Z");
const t1 = new Date("2026-12-03T11:00:00.456Z");

describe("setCondition", () => {
  it("adds a condition with a second-precision transition time and observedGeneration", () => {
    const out = setCondition(undefined, { type: "Ready", status: "False", reason: "Pending", message: "waiting" }, 3, t0);
    expect(out).toEqual([
      { type: "Ready", status: "False", reason: "Pending", message: "waiting", lastTransitionTime: "2026-12-03T10:00:00Z", observedGeneration: 3 },
    ]);
  });

  it("keeps lastTransitionTime while status stays, and moves it when status changes", () => {
    const first = setCondition(undefined, { type: "Ready", status: "False", reason: "Pending", message: "a" }, 1, t0);
    const same = setCondition(first, { type: "Ready", status: "False", reason: "StillPending", message: "b" }, 2, t1);
    expect(same[0]).toMatchObject({ reason: "StillPending", message: "b", observedGeneration: 2, lastTransitionTime: "2026-12-03T10:00:00Z" });
    const flipped = setCondition(same, { type: "Ready", status: "True", reason: "Ready", message: "ok" }, 2, t1);
    expect(flipped[0]?.lastTransitionTime).toBe("2026-12-03T11:00:00Z");
    expect(isConditionTrue(flipped, "Ready")).toBe(true);
  });

  it("never mutates its input, and leaves other conditions alone", () => {
    const first = Object.freeze(setCondition(undefined, { type: "Synced", status: "True", reason: "Synced", message: "" }, 1, t0));
    const out = setCondition(first, { type: "Ready", status: "True", reason: "Ready", message: "" }, 1, t1);
    expect(first).toHaveLength(1);
    expect(out.map((c) => c.type)).toEqual(["Synced", "Ready"]);
    expect(findCondition(out, "Synced")).toBe(first[0]);
  });

  it("caps long messages", () => {
    const out = setCondition(undefined, { type: "Ready", status: "False", reason: "Failed", message: "x".repeat(10_000) }, 1, t0);
    expect(out[0]?.message).toHaveLength(MAX_CONDITION_MESSAGE);
  });
});
