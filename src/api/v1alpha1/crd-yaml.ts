import { stringify } from "yaml";
import { KINDS, crdFileName, customResourceDefinition } from "./crd.js";

const HEADER = "# Generated from src/api/v1alpha1 by `npm run crds`. Do not edit by hand.\n";

/** The CRD files as they belong in crds/: file name -> YAML text. */
export function renderCrdFiles(): Map<string, string> {
  return new Map(
    KINDS.map((def) => [crdFileName(def), HEADER + stringify(customResourceDefinition(def), { lineWidth: 0 })]),
  );
}
