import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiException, ApiextensionsV1Api, type KubeConfig, type V1CustomResourceDefinition, loadAllYaml } from "@kubernetes/client-node";
import { EnvtestError } from "./errors.js";

export async function readCrds(dir: string): Promise<V1CustomResourceDefinition[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
  const docs: V1CustomResourceDefinition[] = [];
  for (const file of files) {
    // loadAllYaml maps raw keys onto client-node's models (default -> _default,
    // x-kubernetes-validations -> xKubernetesValidations); a plain YAML parse would have them
    // silently dropped by the serializer on the way to the API server.
    for (const value of loadAllYaml(await readFile(join(dir, file), "utf8")) as V1CustomResourceDefinition[]) {
      if (value?.kind === "CustomResourceDefinition") docs.push(value);
    }
  }
  return docs;
}

/** Creates or replaces every CRD in dir and waits until the API server serves each one. */
export async function installCrds(kc: KubeConfig, dir: string, timeoutMs = 30_000): Promise<string[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const crds = await readCrds(dir);
  for (const crd of crds) {
    const name = crd.metadata?.name ?? "";
    try {
      await api.createCustomResourceDefinition({ body: crd });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 409)) throw crdError(name, err);
      const current = await api.readCustomResourceDefinition({ name });
      crd.metadata = { ...crd.metadata, resourceVersion: current.metadata?.resourceVersion };
      await api.replaceCustomResourceDefinition({ name, body: crd }).catch((e: unknown) => {
        throw crdError(name, e);
      });
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    const name = crd.metadata?.name ?? "";
    for (;;) {
      const current = await api.readCustomResourceDefinition({ name });
      const established = current.status?.conditions?.find((c) => c.type === "Established")?.status === "True";
      if (established) break;
      if (Date.now() > deadline) {
        throw new EnvtestError("ENVTEST_CRD_NOT_ESTABLISHED", `CRD ${name} was not Established in time`, "check the API server's log for errors about the CRD");
      }
      await sleep(100);
    }
  }
  return crds.map((c) => c.metadata?.name ?? "");
}

function crdError(name: string, err: unknown): EnvtestError {
  const body = err instanceof ApiException ? String(err.body) : String(err);
  return new EnvtestError("ENVTEST_CRD_REJECTED", `the API server rejected CRD ${name}: ${body}`, "run `npm run crds` and check src/api/v1alpha1", err);
}
