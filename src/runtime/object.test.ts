import { describe, expect, it } from "vitest";
import { compareResourceVersions, objectKey, splitKey, stripManagedFields } from "./object.js";

describe("compareResourceVersions", () => {
  it.each([
    ["10", "9", 1],
    ["9", "10", -1],
    ["123456789012345678901234567890", "123456789012345678901234567889", 1],
    ["7", "7", 0],
    [undefined, "1", -1],
    ["1", undefined, 1],
    [undefined, undefined, 0],
    // Opaque versions: equality only, and a different incoming version wins.
    ["abc", "abd", 1],
    ["abd", "abc", 1],
    ["12", "x1", 1],
  ] as const)("compare(%s, %s) = %s", (a, b, expected) => {
    expect(compareResourceVersions(a, b)).toBe(expected);
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
