import { describe, expect, it } from "vitest";
import { SERVICE_NAMES } from "../api/v1alpha1/services.js";
import { isOperatorError } from "../errors.js";
import { certcentralProvider } from "./certcentral/index.js";
import { createProviderRegistry } from "./index.js";
import { ProviderRegistry, REGISTRY_ERRORS } from "./registry.js";

describe("ProviderRegistry", () => {
  it("serves every DigiCert service from exactly one backend", () => {
    const registry = createProviderRegistry();
    for (const service of SERVICE_NAMES) expect(registry.get(service).services).toContain(service);
    expect(registry.list().map((p) => p.name).sort()).toEqual(["account-scim", "certcentral", "digicert-one", "dns"]);
  });

  it("refuses a second registration of a backend or of a service", () => {
    const registry = createProviderRegistry();
    expect(() => registry.register(certcentralProvider)).toThrow(/already registered/);
    const impostor = { ...certcentralProvider, name: "impostor" };
    try {
      registry.register(impostor);
      expect.unreachable();
    } catch (err) {
      expect(isOperatorError(err, REGISTRY_ERRORS.DUPLICATE)).toBe(true);
      expect((err as Error).message).toMatch(/certcentral is already served by provider certcentral/);
    }
    expect(registry.list()).toHaveLength(4);
  });

  it("names the service it has no backend for", () => {
    expect(() => new ProviderRegistry().get("dns")).toThrow(/no provider registered for service dns/);
  });
});
