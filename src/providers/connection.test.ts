import { describe, expect, it } from "vitest";
import { parseDurationMs } from "../api/v1alpha1/meta.js";
import { connectionSettings } from "./connection.js";

describe("connectionSettings", () => {
  it("turns a tenant's service entry into backend settings, windows in ms", () => {
    const settings = connectionSettings(
      {
        service: "certcentral",
        credentialsSecretRef: { name: "cc", key: "apiKey" },
        endpoint: "https://certcentral.digicert.eu/services/v2",
        rateLimits: [
          { requests: 100, window: "5s" },
          { requests: 1000, window: "3m" },
        ],
      },
      "the-key",
    );
    expect(settings).toEqual({
      service: "certcentral",
      credentials: "the-key",
      endpoint: "https://certcentral.digicert.eu/services/v2",
      rateLimits: [
        { requests: 100, windowMs: 5_000 },
        { requests: 1000, windowMs: 180_000 },
      ],
    });
  });

  it("leaves limits to the backend's defaults when the tenant sets none", () => {
    expect(connectionSettings({ service: "dns", credentialsSecretRef: { name: "d", key: "k" } }, "k")).toEqual({ service: "dns", credentials: "k" });
  });

  it.each([
    ["1h30m", 5_400_000],
    ["250ms", 250],
    ["1.5s", 1_500],
    ["0s", 0],
  ])("parses the duration %s", (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it("refuses text that is not a duration", () => {
    expect(() => parseDurationMs("5 minutes")).toThrow(/not a duration/);
  });
});
