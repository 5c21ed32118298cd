// The provider monitor: every five minutes, reads the router's own balance at each upstream that
// has a balance request (2Captcha-protocol `getbalance`) into the table, for
// GET /v2/admin/providers, and publishes the balances and which providers are cooling down as
// metrics, which the balance and cooldown alarms (alarms.ts) watch.
// Options: https://sst.dev/docs/component/aws/cron
import { routerFunction } from "./functions";

/** Minutes between checks: each check is one balance request per upstream, and 2Captcha counts those against its result-request limit. */
export const PROVIDER_CHECK_MINUTES = 5;

export const providerMonitor = new sst.aws.Cron("ProviderMonitor", {
  schedule: `rate(${PROVIDER_CHECK_MINUTES} minutes)`,
  function: routerFunction("provider-monitor", {
    // Upstream requests time out after 15 s each and run side by side.
    timeout: "60 seconds",
    memory: "256 MB",
    // The next run is five minutes away; a retry would only add balance requests.
    retries: 0,
  }),
});
