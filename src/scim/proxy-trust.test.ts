import { describe, expect, it } from "vitest";
import { ScimConfigSchema } from "./config.js";
import { peerTrusted, proxyTrust } from "./proxy-trust.js";

const trustProxyOf = (trustProxy: unknown) => ScimConfigSchema.parse({ trustProxy }).trustProxy;

describe("scim.trustProxy", () => {
  it("keeps true and false, and defaults to false", () => {
    expect(ScimConfigSchema.parse({}).trustProxy).toBe(false);
    expect(trustProxyOf(true)).toBe(true);
    expect(trustProxyOf(false)).toBe(false);
  });

  it("accepts a list of addresses and CIDRs, as an array or a comma-separated string", () => {
    expect(trustProxyOf(["10.0.0.0/8", "::1"])).toEqual(["10.0.0.0/8", "::1"]);
    expect(trustProxyOf(" 10.0.0.0/8, 192.168.1.7 ,uniquelocal")).toEqual(["10.0.0.0/8", "192.168.1.7", "uniquelocal"]);
  });

  it.each([
    ["a hop count", 1, /hop count/],
    ["an empty list", [], /empty list/],
    ["an empty string", " , ", /empty list/],
    ["a host name", ["ingress.local"], /not an IP address/],
    ["a prefix too long", ["10.0.0.0/33"], /not an IP address/],
    ["a malformed CIDR", ["10.0.0.0/8/8"], /not an IP address/],
  ])("refuses %s", (_label, value, message) => {
    expect(() => trustProxyOf(value)).toThrow(message);
  });
});

describe("proxyTrust", () => {
  it("trusts nobody when off and everybody when true", () => {
    expect(proxyTrust(false)).toBeUndefined();
    expect(peerTrusted(proxyTrust(false), "10.0.0.1")).toBe(false);
    expect(peerTrusted(proxyTrust(true), "203.0.113.9")).toBe(true);
  });

  it("trusts only peers inside the listed ranges, IPv4-mapped IPv6 included", () => {
    const trust = proxyTrust(["10.0.0.0/8", "2001:db8::/32", "192.168.1.7"]);
    for (const peer of ["10.1.2.3", "::ffff:10.1.2.3", "2001:db8::5", "192.168.1.7"]) expect(peerTrusted(trust, peer), peer).toBe(true);
    for (const peer of ["11.0.0.1", "192.168.1.8", "2001:db9::1", "::1", "", undefined, "not-an-ip"]) expect(peerTrusted(trust, peer), String(peer)).toBe(false);
  });

  it("knows proxy-addr's named ranges", () => {
    const trust = proxyTrust(["loopback", "uniquelocal"]);
    for (const peer of ["127.0.0.1", "::1", "172.20.0.4", "fd00::1"]) expect(peerTrusted(trust, peer), peer).toBe(true);
    expect(peerTrusted(trust, "8.8.8.8")).toBe(false);
  });

  it("judges every hop by its address, so an untrusted hop in X-Forwarded-For stops the chain", () => {
    const trust = proxyTrust(["10.0.0.0/8"])!;
    expect([trust("10.0.0.1", 0), trust("10.0.0.2", 1), trust("198.51.100.1", 2)]).toEqual([true, true, false]);
  });
});
