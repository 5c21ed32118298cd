// The sweeper: every minute, finds unfinished tasks whose next step is overdue (the "open"
// index) and re-enqueues their current step, so a task whose message was lost or dead-lettered
// is carried on by the worker (which ends it by its deadline) rather than stranded.
// Options: https://sst.dev/docs/component/aws/cron
import { routerFunction } from "./functions";

export const sweeper = new sst.aws.Cron("Sweeper", {
  // EventBridge's finest rate.
  schedule: "rate(1 minute)",
  function: routerFunction("sweeper", {
    // Below the one-minute period, so two sweeps do not overlap.
    timeout: "50 seconds",
    memory: "512 MB",
    // A failed sweep is redone by the next minute's run; asynchronous retries would only
    // overlap with it.
    retries: 0,
  }),
});
