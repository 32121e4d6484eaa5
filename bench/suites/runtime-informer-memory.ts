/**
 * Informer cache memory per object: 10,000 DigiCertUser-shaped objects as the API server returns
 * them (with the managedFields that SCIM writes and controller status patches produce) are put into
 * (a) a plain Map of the parsed objects, the baseline, and (b) an Informer with its default
 * transform (managedFields dropped) plus a secondary index. Heap is measured after forced GC.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { KubeConfig } from "@kubernetes/client-node";
import type { BenchResult } from "../run.js";
import { Informer } from "../../src/runtime/informer.js";
import { KubeClient, type KubeObject } from "../../src/runtime/kube-client.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const COUNT = 10_000;

function userJson(i: number): string {
  const name = `user-${i.toString().padStart(6, "0")}`;
  const scimFields = { "f:status": { "f:scim": { "f:userName": {}, "f:active": {}, "f:emails": {}, "f:groups": {}, "f:name": { "f:givenName": {}, "f:familyName": {} } } } };
  const controllerFields = { "f:status": { "f:conditions": {}, "f:services": {}, "f:observedGeneration": {} } };
  return JSON.stringify({
    apiVersion: "digicert-access.io/v1alpha1",
    kind: "DigiCertUser",
    metadata: {
      name,
      namespace: "tenant-acme",
      uid: `6f1c2a3b-${i.toString(16).padStart(4, "0")}-4c5d-8e9f-0a1b2c3d4e5f`,
      resourceVersion: String(100_000 + i),
      generation: 1,
      creationTimestamp: "2026-12-03T10:00:00Z",
      labels: { "digicert-access.io/tenant": "acme" },
      finalizers: ["digicert-access.io/deprovision"],
      managedFields: [
        { manager: "digicert-access-scim", operation: "Apply", apiVersion: "digicert-access.io/v1alpha1", time: "2026-12-03T10:00:00Z", fieldsType: "FieldsV1", fieldsV1: scimFields, subresource: "status" },
        { manager: "digicert-access-controller", operation: "Apply", apiVersion: "digicert-access.io/v1alpha1", time: "2026-12-03T10:00:01Z", fieldsType: "FieldsV1", fieldsV1: controllerFields, subresource: "status" },
        { manager: "digicert-access-scim", operation: "Apply", apiVersion: "digicert-access.io/v1alpha1", time: "2026-12-03T10:00:00Z", fieldsType: "FieldsV1", fieldsV1: { "f:metadata": { "f:labels": { "f:digicert-access.io/tenant": {} } }, "f:spec": { "f:tenantRef": { "f:name": {} } } } },
      ],
    },
    spec: { tenantRef: { name: "acme" } },
    status: {
      scim: {
        userName: `${name}@acme.example`,
        externalId: `00u${i}abcdEFGH`,
        active: true,
        name: { givenName: "Ada", familyName: `Lovelace ${i}` },
        emails: [{ value: `${name}@acme.example`, type: "work", primary: true }],
        groups: [
          { value: "g-eng", display: "Engineering" },
          { value: "g-pki", display: "PKI Admins" },
        ],
      },
      services: [{ service: "certcentral", state: "Synced", remoteId: String(500_000 + i), roles: ["user"], lastSync: "2026-12-03T10:00:02Z" }],
      conditions: [{ type: "Ready", status: "True", reason: "Synced", message: "", lastTransitionTime: "2026-12-03T10:00:02Z", observedGeneration: 1 }],
      observedGeneration: 1,
    },
  });
}

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Heap growth per object while `fill` holds what it built (returned, so it stays reachable). */
function perObject(fill: () => unknown): number {
  const before = heapAfterGc();
  const held = fill();
  const after = heapAfterGc();
  if (held === undefined) throw new Error("nothing held");
  return (after - before) / COUNT;
}

export default async function (): Promise<BenchResult> {
  const texts = Array.from({ length: COUNT }, (_, i) => userJson(i));
  const jsonBytes = texts.reduce((sum, t) => sum + t.length, 0) / COUNT;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "unused", server: "https://127.0.0.1:1" }],
    users: [{ name: "unused" }],
    contexts: [{ name: "unused", cluster: "unused", user: "unused" }],
    currentContext: "unused",
  });
  const client = new KubeClient(kc);

  const baseline = perObject(() => {
    const plain = new Map<string, unknown>();
    for (const text of texts) {
      const obj = JSON.parse(text) as KubeObject;
      plain.set(`${obj.metadata?.namespace}/${obj.metadata?.name}`, obj);
    }
    return plain;
  });
  // The informer is never started: applyWrite is the same cache path list and watch events take.
  const cached = perObject(() => {
    const informer = new Informer({ client, path: "/apis/digicert-access.io/v1alpha1/digicertusers" });
    informer.addIndex("group", (u) => ((u.status as { scim?: { groups?: { value: string }[] } } | undefined)?.scim?.groups ?? []).map((g) => g.value));
    for (const text of texts) informer.applyWrite(JSON.parse(text) as KubeObject);
    return informer;
  });

  return {
    lines: [
      `objects: ${COUNT}; JSON as served: ${Math.round(jsonBytes)} B/object`,
      `baseline, parsed objects in a Map (managedFields kept): ${Math.round(baseline)} B/object`,
      `informer cache (managedFields dropped; namespace and group indexes): ${Math.round(cached)} B/object`,
      `ratio informer/baseline: ${(cached / baseline).toFixed(2)}`,
    ],
    targets: [{ name: "informer cache smaller than the naive cache", met: cached < baseline, detail: `${(cached / baseline).toFixed(2)}x the baseline` }],
  };
}
