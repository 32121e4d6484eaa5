import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { AuthenticationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { describe, expect, inject, it } from "vitest";
import { resolveBinaries } from "../../../src/envtest/assets.js";
import { LocalControlPlane } from "../../../src/envtest/control-plane.js";

const run = promisify(execFile);
const repoRoot = inject("repoRoot");
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const exists = (path: string) => stat(path).then(() => true, () => false);

// These tests build and start a control plane of their own, which is exactly what
// USE_EXISTING_CLUSTER=true asks the suite not to do (the binaries may not even be buildable there).
describe.skipIf(process.env.USE_EXISTING_CLUSTER === "true")("local control plane", () => {
  it("a second build reuses the cached binaries", async () => {
    const script = join(repoRoot, "test/controlplane/build.sh");
    const { stdout: folder } = await run("bash", [script, "--print"]);
    const before = await stat(join(folder.trim(), "kube-apiserver"));
    const { stdout, stderr } = await run("bash", [script]);
    expect(stderr).toMatch(/control plane binaries cached in/);
    expect(stdout.trim()).toBe(folder.trim());
    expect((await stat(join(folder.trim(), "kube-apiserver"))).mtimeMs).toBe(before.mtimeMs);
  });

  it("starts with RBAC and TokenRequest working, and stops without leaving processes or files", async () => {
    const plane = await LocalControlPlane.start({ binaries: await resolveBinaries(repoRoot) });
    const pids = plane.pids;
    try {
      expect(pids.every(alive)).toBe(true);
      const kc = new KubeConfig();
      kc.loadFromFile(plane.kubeconfigPath);
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: "cp-test" } } });
      await core.createNamespacedServiceAccount({ namespace: "cp-test", body: { metadata: { name: "robot" } } });
      const token = await core.createNamespacedServiceAccountToken({
        namespace: "cp-test",
        name: "robot",
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      });
      expect(token.status?.token).toMatch(/^ey/);

      // The token authenticates as the ServiceAccount, and RBAC denies it until a Role allows it.
      const robot = new KubeConfig();
      robot.loadFromOptions({
        clusters: [{ name: "c", server: plane.server, caFile: plane.caFile }],
        users: [{ name: "robot", token: token.status?.token }],
        contexts: [{ name: "c", cluster: "c", user: "robot" }],
        currentContext: "c",
      });
      const review = await robot.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
      expect(review.status?.userInfo?.username).toBe("system:serviceaccount:cp-test:robot");
      const denied = await robot
        .makeApiClient(CoreV1Api)
        .listNamespacedSecret({ namespace: "cp-test" })
        .then(() => 200, (e: { code?: number }) => e.code);
      expect(denied).toBe(403);
      const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
      await rbac.createNamespacedRole({
        namespace: "cp-test",
        body: { metadata: { name: "read-secrets" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }] },
      });
      await rbac.createNamespacedRoleBinding({
        namespace: "cp-test",
        body: {
          metadata: { name: "robot-reads" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-secrets" },
          subjects: [{ kind: "ServiceAccount", name: "robot", namespace: "cp-test" }],
        },
      });
      await expect(robot.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: "cp-test" })).resolves.toBeDefined();
    } finally {
      await plane.stop();
    }
    expect(pids.some(alive)).toBe(false);
    expect(await exists(plane.dir)).toBe(false);
  });
});
