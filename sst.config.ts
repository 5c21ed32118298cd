/// <reference path="./.sst/platform/config.d.ts" />

// SST v3 app (https://sst.dev/docs/reference/config). The resources live in infra/, following
// SST's monorepo template; the Lambda code lives in packages/functions. The `sst` CLI cannot run
// on the development machines (it downloads Pulumi), so test/infra/sst-config.test.ts evaluates
// this file against a recording stand-in for SST's globals.
export default $config({
  app(input) {
    return {
      name: "solver-router",
      // Production keeps its resources (the table holds balances and the ledger) if they are
      // dropped from the config; other stages clean up after themselves.
      removal: input?.stage === "production" ? "retain" : "remove",
      // `sst remove` refuses to tear down the production stage.
      protect: input?.stage === "production",
      home: "aws",
    };
  },
  async run() {
    const infra = await import("./infra");

    return {
      api: infra.api.url,
      table: infra.table.name,
      queue: infra.workQueue.url,
      deadLetterQueue: infra.deadLetterQueue.url,
      alarmTopic: infra.alarmTopic.arn,
    };
  },
});
