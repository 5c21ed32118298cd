// Every Lambda handler of the router, in one list shared by infra/functions.ts (what SST deploys)
// and scripts/build.ts (`pnpm build`, the same bundles built and tested locally). A handler is
// packages/functions/src/handlers/<name>.ts exporting `handler`; adding one is one line here
// (then use it from infra/ with routerFunction("<name>", …)).
// Plain TypeScript without SST's globals, so that Node can import it too.

export const HANDLERS_DIR = "packages/functions/src/handlers";

export interface HandlerBuild {
  /**
   * Packages left out of the bundle and installed beside it (SST's `nodejs.install`): the api
   * serves Swagger UI's files from the installed swagger-ui-dist (packages/functions/src/api/routes/docs.ts).
   */
  install?: readonly string[];
}

export const HANDLERS = {
  api: { install: ["swagger-ui-dist"] },
  worker: {},
  sweeper: {},
  "task-effects": {},
  "provider-monitor": {},
} as const satisfies Record<string, HandlerBuild>;

export type HandlerName = keyof typeof HANDLERS;
