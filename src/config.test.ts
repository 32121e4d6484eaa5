import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("fills every default", () => {
    const config = loadConfig([], {});
    expect(config.logLevel).toBe("info");
    expect(config.scimAddress).toBe("0.0.0.0:8080");
    expect(config.leaderElection).toEqual({ enabled: true, namespace: "digicert-access-system", leaseName: "digicert-access-operator" });
  });

  it("reads the environment, and flags win over it", () => {
    const config = loadConfig(["--log-level", "debug", "--leader-elect=false"], { DAO_LOG_LEVEL: "warn", DAO_WATCH_NAMESPACE: "team-a", POD_NAME: "op-0" });
    expect(config.logLevel).toBe("debug");
    expect(config.watchNamespace).toBe("team-a");
    expect(config.leaderElection.enabled).toBe(false);
    expect(config.leaderElection.identity).toBe("op-0");
  });

  it("returns a frozen object", () => {
    const config = loadConfig([], {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.leaderElection)).toBe(true);
  });

  it("lists every problem at once, naming the flag and the variable", () => {
    const err = (() => {
      try {
        loadConfig(["--log-level", "loud", "--leader-elect", "maybe", "--no-such-flag", "x"], {});
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe("CONFIG_ERR_INVALID");
    expect(err.problems.join("\n")).toMatch(/no-such-flag/);
    expect(err.problems.join("\n")).toMatch(/--leader-elect \/ DAO_LEADER_ELECT: expected true or false, got "maybe"/);
  });

  it("rejects a bad value from the environment with the variable's name", () => {
    expect(() => loadConfig([], { DAO_LOG_LEVEL: "loud" })).toThrow(/--log-level \/ DAO_LOG_LEVEL: Invalid option/);
  });
});

describe("loadConfig with a config file", () => {
  const write = async (text: string) => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const file = join(await mkdtemp(join(tmpdir(), "dao-config-")), "config.yaml");
    await writeFile(file, text);
    return file;
  };

  it("reads any section from the file; variables and flags still win", async () => {
    const file = await write("logLevel: warn\nruntime:\n  informer:\n    pageSize: 50\nproviders:\n  maxAttempts: 3\n");
    const config = loadConfig(["--config", file], { DAO_LOG_LEVEL: "error" });
    expect(config.logLevel).toBe("error");
    expect(config.runtime.informer.pageSize).toBe(50);
    expect(config.runtime.leaderElection.leaseDurationMs).toBe(15_000);
    expect(config.providers.maxAttempts).toBe(3);
  });

  it("names unknown keys and bad values in the file", async () => {
    const file = await write("logLevl: debug\nruntime:\n  leaderElection:\n    leaseDurationMs: 1000\n    renewDeadlineMs: 5000\n");
    expect(() => loadConfig([], { DAO_CONFIG: file })).toThrow(/logLevl/);
    try {
      loadConfig([], { DAO_CONFIG: file });
    } catch (err) {
      expect((err as ConfigError).problems.join("\n")).toMatch(/runtime\.leaderElection/);
    }
  });

  it("reports a missing file instead of crashing", () => {
    expect(() => loadConfig(["--config", "/nonexistent/config.yaml"], {})).toThrow(/\/nonexistent\/config\.yaml: ENOENT/);
  });
});
