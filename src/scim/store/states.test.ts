import { describe, expect, it } from "vitest";
import { isGroupReplay, isReplay, userState } from "./states.js";

const stored = { userName: "jane@x.test", active: true, externalId: "00u1", groups: [{ value: "g1" }], created: "t0", lastModified: "t1" };

describe("the idempotency rule for a retried create", () => {
  it("treats a POST with the stored externalId as a replay, whatever else changed", () => {
    expect(isReplay(stored, { userName: "JANE@x.test", active: false, externalId: "00u1" })).toBe(true);
    expect(isReplay(stored, { userName: "jane@x.test", active: true, externalId: "00u2" })).toBe(false);
    expect(isReplay(stored, { userName: "jane@x.test", active: true })).toBe(false);
  });

  it("never replays without an externalId on both sides, even an identical body (Okta SPEC step 10: 409)", () => {
    const { externalId: _e, ...noExt } = stored;
    expect(isReplay(noExt, { active: true, userName: "jane@x.test" })).toBe(false);
    expect(isReplay(noExt, { active: true, userName: "jane@x.test", externalId: "00u1" })).toBe(false);
    expect(isReplay({ ...noExt, externalId: "" }, { active: true, userName: "jane@x.test", externalId: "" })).toBe(false);
    expect(isReplay(undefined, { active: true, userName: "jane@x.test", externalId: "00u1" })).toBe(false);
  });

  it("replays a group push only when it would change nothing, or when externalIds match", () => {
    const group = { displayName: "Sales", created: "t0" };
    expect(isGroupReplay(group, { displayName: "Sales", members: ["b", "a"] }, ["a", "b"])).toBe(true);
    expect(isGroupReplay(group, { displayName: "Sales", members: [] }, ["a"])).toBe(false);
    expect(isGroupReplay(group, { displayName: "sales" }, [])).toBe(false);
    expect(isGroupReplay({ ...group, externalId: "x" }, { displayName: "Other", externalId: "x" }, ["a"])).toBe(true);
  });
});

describe("userState", () => {
  it("keeps membership and creation time, and records when the user was deactivated", () => {
    const off = userState(stored, { userName: "jane@x.test", active: false }, "t2");
    expect(off).toMatchObject({ groups: [{ value: "g1" }], created: "t0", lastModified: "t2", deactivatedAt: "t2" });
    const stillOff = userState(off, { userName: "jane@x.test", active: false }, "t3");
    expect(stillOff.deactivatedAt).toBe("t2");
    expect(userState(stillOff, { userName: "jane@x.test", active: true }, "t4")).not.toHaveProperty("deactivatedAt");
  });
});
