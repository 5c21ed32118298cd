/**
 * Which addresses a callback may reach. Teams choose callback URLs, and the router POSTs to
 * them from inside its own network: a URL on a loopback, private, CGNAT, link-local,
 * unique-local, multicast, unspecified or otherwise reserved address (or a name resolving to
 * one, IPv4-mapped IPv6 included) would let a team make the router call its internals (the
 * instance metadata service at 169.254.169.254, a database on 127.0.0.1…). Only public unicast
 * addresses pass. The rule is checked at submit (the name resolved then) and again at send
 * time against the address actually connected to (guardedLookup), so a name that resolves
 * differently later (DNS rebinding) is refused too.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export interface CallbackTargetPolicy {
  /** ROUTER_CALLBACK_ALLOW_PRIVATE=1: any address (local development calls back to localhost). */
  allowPrivate: boolean;
  /** On AWS only https callback URLs are accepted. */
  httpsOnly: boolean;
}

/** True for a public unicast address (after unwrapping IPv4-mapped IPv6). */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!ipaddr.isValid(bare)) return false;
  return ipaddr.process(bare).range() === "unicast";
}

type Resolver = (host: string) => Promise<string[]>;

const RESOLVE_TIMEOUT_MS = 3_000;

const resolveAll: Resolver = (host) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), RESOLVE_TIMEOUT_MS);
    dnsLookup(host, { all: true }, (error, addresses) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(addresses.map((a) => a.address));
    });
  });

/** Why `url` may not be a callback URL under `policy`, or undefined when it may. */
export async function callbackUrlProblem(url: string, policy: CallbackTargetPolicy, resolve: Resolver = resolveAll): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute http(s) URL";
  }
  if (policy.httpsOnly ? parsed.protocol !== "https:" : parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return policy.httpsOnly ? "must be an https URL" : "must be an http or https URL";
  }
  if (parsed.username || parsed.password) return "must not carry a user name or password";
  if (policy.allowPrivate) return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return isPublicAddress(host) ? undefined : `${parsed.hostname} is not a public address (loopback, private, link-local and similar addresses are refused)`;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    return `the host name ${host} could not be resolved`;
  }
  if (addresses.length === 0) return `the host name ${host} could not be resolved`;
  const refused = addresses.find((a) => !isPublicAddress(a));
  return refused ? `${host} resolves to ${refused}, which is not a public address (loopback, private, link-local and similar addresses are refused)` : undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s) that resolves like dns.lookup but fails the connection when an
 * address is not public: the check is made on the address the socket will connect to.
 * (An IP literal in the URL skips lookup; the sender checks those itself.)
 */
export function guardedLookup(policy: CallbackTargetPolicy) {
  return (hostname: string, options: LookupOptions | number, callback: LookupCallback): void => {
    const opts: LookupOptions = typeof options === "number" ? { family: options } : options;
    dnsLookup(hostname, { ...opts, all: true }, (error, addresses) => {
      if (error) return callback(error, opts.all ? [] : "");
      const refused = policy.allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
      if (refused) {
        const denied = Object.assign(new Error(`callback target ${hostname} resolves to a non-public address`), { code: "ECALLBACKREFUSED" });
        return callback(denied, opts.all ? [] : "");
      }
      if (opts.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
