import { BlockList, isIP } from "node:net";
import { OperatorError } from "../errors.js";

/** `scim.trustProxy`: off, every peer, or only peers at these addresses / CIDRs / named ranges. */
export type TrustProxy = boolean | string[];

/** Whether the peer at `address` is a proxy whose X-Forwarded-* headers count (fastify's trust function). */
export type ProxyTrustFn = (address: string | undefined, hop: number) => boolean;

/** The names fastify's own proxy-addr understands, so a list reads the same as it would there. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
  uniquelocal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
};

interface Subnet {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

function subnetOf(text: string): Subnet | undefined {
  const parts = text.trim().split("/");
  if (parts.length > 2) return undefined;
  const address = parts[0]!;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = parts[1] === undefined ? max : /^\d{1,3}$/.test(parts[1]) ? Number(parts[1]) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

const rangesOf = (entry: string) => NAMED_RANGES[entry.trim().toLowerCase()] ?? [entry];

/** Why one entry of a trustProxy list is unusable, or undefined when it is fine (config validation). */
export function proxyEntryProblem(entry: string): string | undefined {
  if (rangesOf(entry).every((r) => subnetOf(r) !== undefined)) return undefined;
  return `${JSON.stringify(entry)} is not an IP address, a CIDR (10.0.0.0/8) or one of ${Object.keys(NAMED_RANGES).join(", ")}`;
}

/**
 * The one trust decision for X-Forwarded-*: fastify gets it for Proto/Host (and the client address),
 * and the receiver asks it again for X-Forwarded-Prefix, so all three come from the same peers.
 * Undefined when nothing is trusted. A hop count is not offered: fastify 5 refuses hop-only trust,
 * because it trusts the nearest peer whatever its address, which is what `true` already says.
 */
export function proxyTrust(setting: TrustProxy): ProxyTrustFn | undefined {
  if (setting === false) return undefined;
  if (setting === true) return () => true;
  const list = new BlockList();
  for (const entry of setting) {
    for (const range of rangesOf(entry)) {
      const subnet = subnetOf(range);
      if (!subnet) throw new OperatorError("CONFIG_ERR_INVALID", `scim.trustProxy: ${proxyEntryProblem(entry)}`);
      list.addSubnet(subnet.address, subnet.prefix, subnet.family);
    }
  }
  // An IPv4-mapped IPv6 peer (::ffff:10.1.2.3, a dual-stack socket) matches IPv4 ranges (BlockList maps it).
  return (address) => {
    const version = address ? isIP(address) : 0;
    return version !== 0 && list.check(address!, version === 4 ? "ipv4" : "ipv6");
  };
}

/** Whether the request's immediate peer is trusted; X-Forwarded-* of anyone else is ignored. */
export function peerTrusted(trust: ProxyTrustFn | undefined, remoteAddress: string | undefined): boolean {
  return trust !== undefined && trust(remoteAddress, 0);
}
