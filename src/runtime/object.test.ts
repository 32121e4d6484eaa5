import { describe, expect, it } from "vitest";
import { isProvablyNewer, objectKey, splitKey, stripManagedFields, supersedes } from "./object.js";

describe("resourceVersion order", () => {
  it.each([
    ["10", "9", true, true],
    ["9", "10", false, false],
    ["123456789012345678901234567890", "123456789012345678901234567889", true, true],
    ["7", "7", false, false],
    ["1", undefined, true, false],
    [undefined, "1", false, false],
    [undefined, undefined, false, false],
    // Opaque versions: a different incoming version replaces, but is never provably newer.
    ["abc", "abd", true, false],
    ["abd", "abc", true, false],
    ["abc", "abc", false, false],
    ["12", "x1", true, false],
  ] as const)("(%s, %s): supersedes %s, provably newer %s", (a, b, replaces, newer) => {
    expect(supersedes(a, b)).toBe(replaces);
    expect(isProvablyNewer(a, b)).toBe(newer);
  });
});

describe("object keys", () => {
  it("uses namespace/name, or name for cluster-scoped objects, and splits back", () => {
    expect(objectKey({ metadata: { namespace: "ns", name: "a" } })).toBe("ns/a");
    expect(objectKey({ metadata: { name: "node-1" } })).toBe("node-1");
    expect(splitKey("ns/a")).toEqual({ namespace: "ns", name: "a" });
    expect(splitKey("node-1")).toEqual({ namespace: undefined, name: "node-1" });
  });
});

describe("stripManagedFields", () => {
  it("drops metadata.managedFields and keeps everything else", () => {
    const obj = { kind: "X", metadata: { name: "a", labels: { l: "1" }, managedFields: [{ manager: "kubectl" }] }, spec: { s: 1 } };
    expect(stripManagedFields(obj)).toEqual({ kind: "X", metadata: { name: "a", labels: { l: "1" } }, spec: { s: 1 } });
    expect(obj.metadata.managedFields).toHaveLength(1);
  });
});
