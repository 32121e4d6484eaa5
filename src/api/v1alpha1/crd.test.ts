import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { KINDS, toStructural } from "./crd.js";
import { renderCrdFiles } from "./crd-yaml.js";

const crdDir = join(import.meta.dirname, "../../../crds");

describe("generated CRDs", () => {
  it("crds/ holds exactly what src/api/v1alpha1 generates (run `npm run crds` after changing a schema)", async () => {
    const expected = renderCrdFiles();
    const onDisk = (await readdir(crdDir)).filter((f) => f.endsWith(".yaml")).sort();
    expect(onDisk).toEqual([...expected.keys()].sort());
    for (const [name, text] of expected) {
      expect(await readFile(join(crdDir, name), "utf8"), name).toBe(text);
    }
  });

  it("defines the four kinds with short names and the digicert category", () => {
    expect(KINDS.map((k) => [k.kind, k.shortNames[0]])).toEqual([
      ["ScimTenant", "st"],
      ["GroupMapping", "gm"],
      ["DigiCertUser", "dcu"],
      ["ScimGroup", "sg"],
    ]);
  });
});

describe("toStructural", () => {
  it("refuses unions, which structural schemas cannot express", () => {
    expect(() => toStructural(z.toJSONSchema(z.object({ a: z.union([z.string(), z.number()]) })))).toThrow(/one type per node/);
    expect(() => toStructural(z.toJSONSchema(z.object({ a: z.union([z.string(), z.object({})]) })))).toThrow(/anyOf/);
  });

  it("drops zod's safe-integer bounds and date-time regex but keeps real bounds", () => {
    const out = toStructural(z.toJSONSchema(z.object({ n: z.number().int().min(1), at: z.string().datetime() }))) as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(out.properties.n).toEqual({ type: "integer", minimum: 1 });
    expect(out.properties.at).toEqual({ type: "string", format: "date-time" });
  });

  it("turns an open record into x-kubernetes-preserve-unknown-fields", () => {
    const schema = z.object({ x: z.record(z.string(), z.unknown()).meta({ "x-kubernetes-preserve-unknown-fields": true }) });
    const out = toStructural(z.toJSONSchema(schema)) as { properties: Record<string, unknown> };
    expect(out.properties.x).toEqual({ type: "object", "x-kubernetes-preserve-unknown-fields": true });
  });
});
