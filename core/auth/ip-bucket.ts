/**
 * The unit a per-IP limit counts: an IPv4 address, or an IPv6 /64 (one subscriber usually holds a
 * whole /64, so counting single IPv6 addresses would let them rotate through 2^64 of them).
 * IPv4-mapped IPv6 (`::ffff:203.0.113.9`) counts as its IPv4 address.
 *
 * @example
 * ipBucket("203.0.113.9")               // "203.0.113.9"
 * ipBucket("2001:db8:1:2:3:4:5:6")      // "2001:db8:1:2::/64"
 * ipBucket("::ffff:203.0.113.9")        // "203.0.113.9"
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";

export function ipBucket(ip: string): string {
  const address = ip.trim().toLowerCase().replace(/%.*$/, "");
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped) return mapped[1];
  const family = isIP(address);
  if (family === 4) return address;
  if (family === 6) return `${expandIpv6(address).slice(0, 4).join(":")}::/64`;
  // Not an address (a misconfigured proxy header): still one bounded, key-safe bucket per value.
  return `other:${createHash("sha256").update(address).digest("hex").slice(0, 16)}`;
}

/** The eight groups of a valid IPv6 address, without leading zeros. */
function expandIpv6(address: string): string[] {
  const groupsOf = (part: string): string[] =>
    part === "" ? [] : part.split(":").flatMap((group) => (group.includes(".") ? ["0", "0"] : [group])); // an embedded IPv4 fills two groups
  const [head, tail] = address.split("::");
  const start = groupsOf(head);
  const end = tail === undefined ? [] : groupsOf(tail);
  const groups = [...start, ...Array<string>(8 - start.length - end.length).fill("0"), ...end];
  return groups.map((group) => parseInt(group, 16).toString(16));
}
