/**
 * Pingback for the 2Captcha-protocol sandbox, as the 2Captcha API documentation ("Pingback
 * (callback)", "Manage pingback addresses") and its older API description describe it:
 *  - addresses are registered with res.php?action=add_pingback&addr=…, listed with
 *    get_pingback and removed with del_pingback (addr=all removes every one); at most 100;
 *  - only the domain/IP of an address counts ("you only need to register a domain/IP instead
 *    of full URL"), so any URL on a registered host may be used as `pingback=`;
 *  - once a captcha is solved, an HTTP POST with urlencoded `id=<captcha id>&code=<answer>`
 *    goes to its pingback URL; answers for URLs whose host is not registered are not sent
 *    when registration is required (the older description: "the answer will be returned to the address of
 *    your choice, if it has previously been properly registered").
 */

/** What happened to one captcha's pingback. */
export type PingbackOutcome =
  | { status: "pending" }
  | { status: "sent"; at: number; httpStatus: number }
  | { status: "failed"; at: number; error: string }
  | { status: "dropped"; at: number }
  | { status: "unregistered" }
  | { status: "not_solved" };

const MAX_PINGBACK_ADDRESSES = 100;

/** The registered pingback addresses of one account. */
export class PingbackRegistry {
  private readonly addresses: string[] = [];

  /** false when the list is full or the address is not a domain/IP (with or without a path). */
  add(addr: string): boolean {
    if (hostOf(addr) === undefined) return false;
    if (this.addresses.includes(addr)) return true;
    if (this.addresses.length >= MAX_PINGBACK_ADDRESSES) return false;
    this.addresses.push(addr);
    return true;
  }

  remove(addr: string): void {
    if (addr === "all") this.addresses.length = 0;
    else this.addresses.splice(0, this.addresses.length, ...this.addresses.filter((a) => a !== addr));
  }

  list(): string[] {
    return [...this.addresses];
  }

  /** Whether the URL's host is one a registered address names. */
  allows(url: string): boolean {
    const host = hostOf(url);
    return host !== undefined && this.addresses.some((addr) => hostOf(addr) === host);
  }
}

/** The lower-case host name of `http://host/…`, `host/…` or `host`, without the port. */
function hostOf(addr: string): string | undefined {
  const trimmed = addr.trim();
  if (trimmed === "") return undefined;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
    return url.hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** POSTs `id=…&code=…` (urlencoded) to the pingback URL; never throws. */
export async function sendPingback(url: string, id: string, code: string, at: () => number): Promise<PingbackOutcome> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ id, code }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer().catch(() => undefined);
    return { status: "sent", at: at(), httpStatus: response.status };
  } catch (error) {
    return { status: "failed", at: at(), error: error instanceof Error ? error.message : String(error) };
  }
}
