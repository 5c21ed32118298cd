/**
 * Evaluates sst.config.ts and infra/ against the recording stand-in for SST's globals (the `sst`
 * CLI needs AWS credentials and internet access, which the development machines lack) and checks what they would deploy.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { expectDeployedTable } from "./deployed-table";
import {
  OutputRef,
  SstStandInError,
  createSstStandIn,
  durationSeconds,
  evaluateSstConfig,
  type Evaluation,
  type RecordedComponent,
  type RecordedFunction,
} from "./sst-recorder";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const HANDLERS_DIR = "packages/functions/src/handlers";
/** SST's default Lambda timeout (https://sst.dev/docs/component/aws/function#timeout). */
const DEFAULT_TIMEOUT_SECONDS = 20;
/** API Gateway HTTP APIs end an integration after 30 s. */
const API_GATEWAY_LIMIT_SECONDS = 30;

let evaluation: Evaluation;

beforeAll(async () => {
  evaluation = await evaluateSstConfig(join(ROOT, "sst.config.ts"), "dev");
});

const recording = () => evaluation.recording;

function handlerFile(fn: RecordedFunction): { module: string; exportName: string } {
  const dot = fn.handler.lastIndexOf(".");
  return { module: fn.handler.slice(0, dot).replace(/^\.\//, ""), exportName: fn.handler.slice(dot + 1) };
}

function handlerName(fn: RecordedFunction): string {
  return handlerFile(fn).module.slice(HANDLERS_DIR.length + 1);
}

function functionFor(name: string): RecordedFunction {
  const found = recording().functions.filter((fn) => handlerName(fn) === name);
  expect(found, `functions with handler ${HANDLERS_DIR}/${name}`).toHaveLength(1);
  return found[0] as RecordedFunction;
}

function timeoutSeconds(fn: RecordedFunction): number {
  const timeout = fn.args.timeout;
  return timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : durationSeconds(timeout, `${fn.site}.timeout`);
}

function isRef(value: unknown, component: RecordedComponent, attribute: string): boolean {
  return value instanceof OutputRef && value.component === component && value.attribute === attribute;
}

describe("sst.config.ts app()", () => {
  it("names the app, keeps AWS as home, and retains and protects only production", async () => {
    expect(evaluation.app).toMatchObject({ name: "solver-router", home: "aws", removal: "remove", protect: false });
    expect(await evaluation.appFor("production")).toMatchObject({ removal: "retain", protect: true });
  });
});

describe("Lambda functions", () => {
  it("are exactly the api, worker, sweeper, task-effects and provider-monitor handlers", () => {
    expect(recording().functions.map(handlerName).sort()).toEqual(["api", "provider-monitor", "sweeper", "task-effects", "worker"]);
  });

  it("name handler files that exist and export the handler", () => {
    for (const fn of recording().functions) {
      const { module, exportName } = handlerFile(fn);
      expect(module, `${fn.site}: handler module`).toMatch(/^packages\/functions\/src\/handlers\/[a-z][a-z0-9-]*$/);
      expect(exportName, `${fn.site}: handler export`).toBe("handler");
      const file = join(ROOT, `${module}.ts`);
      expect(existsSync(file), `${fn.site}: ${module}.ts exists`).toBe(true);
      const exported = new RegExp(`export\\s+(?:(?:const|let)\\s+${exportName}\\b|(?:async\\s+)?function\\s+${exportName}\\b)`);
      expect(readFileSync(file, "utf8"), `${fn.site}: ${module}.ts exports ${exportName}`).toMatch(exported);
    }
  });

  it("are each linked to only what they use: the worker and the sweeper never see the admin key", () => {
    const expected: Record<string, string[]> = {
      api: ["RouterTable", "WorkQueue", "WorkQueueDlq", "AdminKey", "ProvidersConfig"],
      worker: ["RouterTable", "WorkQueue", "ProvidersConfig"],
      sweeper: ["RouterTable", "WorkQueue"],
      "task-effects": ["RouterTable", "WorkQueue"],
      "provider-monitor": ["RouterTable", "WorkQueue", "ProvidersConfig"],
    };
    for (const fn of recording().functions) {
      const linked = fn.links.map((link) => recording().componentOf(link)?.name ?? "(not a component)");
      expect(linked.sort(), `${fn.site} links`).toEqual([...(expected[handlerName(fn)] ?? [])].sort());
    }
  });

  it("read, in each handler, only the secrets that handler is linked to", () => {
    // aws-settings.ts reads ProvidersConfig only for awsRuntime({ providers: true }) and the admin
    // key only through adminKeySecret(); each handler file says which it uses.
    for (const fn of recording().functions) {
      const text = readFileSync(join(ROOT, `${handlerFile(fn).module}.ts`), "utf8");
      const linked = new Set(fn.links.map((link) => recording().componentOf(link)?.name));
      expect(/adminKeySecret\(/.test(text), `${fn.site} reads the admin key`).toBe(linked.has("AdminKey"));
      expect(/providers:\s*true/.test(text), `${fn.site} reads the providers file`).toBe(linked.has("ProvidersConfig"));
    }
  });

  it("are linked to every resource the Lambda code reads through Resource from sst (each name by some function)", () => {
    // Files importing `Resource` from "sst": names read as `Resource.X`, or declared in a cast of
    // Resource as `X: { name | url | value | arn: string }`.
    const sourceDir = join(ROOT, "packages/functions/src");
    const files = readdirSync(sourceDir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const used = new Set<string>();
    for (const file of files) {
      const text = readFileSync(join(sourceDir, file), "utf8");
      if (!/import\s*\{[^}]*\bResource\b[^}]*\}\s*from\s*["']sst["']/.test(text)) continue;
      for (const m of text.matchAll(/\bResource\.([A-Z][A-Za-z0-9]*)/g)) used.add(m[1] as string);
      for (const m of text.matchAll(/\b([A-Z][A-Za-z0-9]*)\s*:\s*\{\s*(?:name|url|value|arn)\s*:\s*string\b/g)) used.add(m[1] as string);
    }
    expect(used.size, "names read from Resource in packages/functions/src").toBeGreaterThan(0);
    for (const name of used) {
      const component = recording().byName(name);
      expect(recording().functions.some((fn) => fn.links.includes(component.instance)), `some function links ${name}`).toBe(true);
    }
    for (const fn of recording().functions) {
      for (const name of ["RouterTable", "WorkQueue"]) {
        expect(fn.links.includes(recording().byName(name).instance), `${fn.site} links ${name}`).toBe(true);
      }
    }
  });

  it("run on arm64, on a Node.js runtime Lambda still creates functions with", () => {
    // Lambda blocked creating nodejs18.x functions in 2025 and nodejs20.x ones on 2026-08-31
    // (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
    const runtimes = new Set(recording().functions.map((fn) => fn.args.runtime));
    expect(runtimes.size, "one runtime for every function").toBe(1);
    for (const fn of recording().functions) {
      expect(["nodejs22.x", "nodejs24.x"], `${fn.site} runtime`).toContain(fn.args.runtime);
      expect(fn.args.architecture, `${fn.site} architecture`).toBe("arm64");
    }
  });
});

describe("secrets", () => {
  it("declare AdminKey and ProvidersConfig, with no placeholder value", () => {
    for (const name of ["AdminKey", "ProvidersConfig"]) {
      expect(recording().component("sst.Secret", name).args).toEqual({});
    }
  });
});

describe("table", () => {
  it("has the keys, indexes and TTL the stores rely on (./deployed-table.ts), and no deletion protection outside production", () => {
    const table = recording().component("sst.aws.Dynamo", "RouterTable");
    expectDeployedTable(table, ROOT);
    expect(table.args.deletionProtection).toBe(false);
  });
});

describe("work queue", () => {
  it("dead-letters a message after at least 5 receives", () => {
    const queue = recording().component("sst.aws.Queue", "WorkQueue");
    const dlq = recording().component("sst.aws.Queue", "WorkQueueDlq");
    const config = queue.args.dlq as { queue: unknown; retry: number };
    expect(isRef(config.queue, dlq, "arn"), "WorkQueue.dlq.queue is WorkQueueDlq.arn").toBe(true);
    expect(config.retry).toBeGreaterThanOrEqual(5);
  });

  it("feeds the worker in batches of up to 100 gathered for a second, with partial batch responses", () => {
    const subscriptions = recording().subscriptions;
    expect(subscriptions).toHaveLength(1);
    const subscription = subscriptions[0];
    expect(subscription?.queue.name).toBe("WorkQueue");
    expect(subscription && handlerName(subscription.fn)).toBe("worker");
    expect(subscription?.args.batch).toMatchObject({ size: 100, window: "1 seconds", partialResponses: true });
  });

  it("feeds the table's stream (new and old images) to the task-effects aggregator, with the shard named and no record skipped", () => {
    const table = recording().component("sst.aws.Dynamo", "RouterTable");
    expect(table.args.stream).toBe("new-and-old-images");
    const [subscription, ...others] = recording().streamSubscriptions;
    expect(others).toEqual([]);
    expect(subscription?.table.name).toBe("RouterTable");
    expect(subscription && handlerName(subscription.fn)).toBe("task-effects");
    expect(subscription?.args.transform).toMatchObject({
      eventSourceMapping: { startingPosition: "TRIM_HORIZON", tumblingWindowInSeconds: 1, maximumRetryAttempts: -1 },
    });
  });

  it("tells the worker the API's URL, where upstream pingbacks arrive", () => {
    expect(functionFor("worker").args.environment).toMatchObject({ ROUTER_PUBLIC_URL: expect.anything() });
  });

  it("has a visibility timeout of at least 6 x the worker's timeout plus the batch window", () => {
    const queue = recording().component("sst.aws.Queue", "WorkQueue");
    const worker = functionFor("worker");
    expect(timeoutSeconds(worker)).toBe(60);
    const batch = (recording().subscriptions[0]?.args.batch ?? {}) as { window?: unknown };
    const window = batch.window === undefined ? 0 : durationSeconds(batch.window, "batch.window");
    const visibility = durationSeconds(queue.args.visibilityTimeout ?? "30 seconds", "WorkQueue.visibilityTimeout");
    expect(visibility).toBeGreaterThanOrEqual(6 * timeoutSeconds(worker) + window);
  });

  it("caps the worker's concurrency on its event source (2-1000)", () => {
    const transform = recording().subscriptions[0]?.args.transform as { eventSourceMapping?: { scalingConfig?: { maximumConcurrency?: number } } } | undefined;
    const cap = transform?.eventSourceMapping?.scalingConfig?.maximumConcurrency;
    expect(cap).toBeGreaterThanOrEqual(2);
    expect(cap).toBeLessThanOrEqual(1000);
  });

  it("leaves the dead-letter queue unsubscribed", () => {
    expect(recording().subscriptions.map((s) => s.queue.name)).not.toContain("WorkQueueDlq");
  });
});

describe("API", () => {
  it("routes every request to the api handler", () => {
    const api = recording().component("sst.aws.ApiGatewayV2", "Api");
    const routes = recording().routes.filter((r) => r.api === api);
    expect(routes).toHaveLength(1);
    expect(["$default", "ANY /{proxy+}"]).toContain(routes[0]?.route);
    expect(routes[0] && handlerName(routes[0].fn)).toBe("api");
  });

  it("throttles the stage: a rate and a burst limit on every route", () => {
    const api = recording().component("sst.aws.ApiGatewayV2", "Api");
    const stage = (api.args.transform as { stage?: { defaultRouteSettings?: Record<string, number> } } | undefined)?.stage;
    expect(stage?.defaultRouteSettings?.throttlingRateLimit).toBeGreaterThan(0);
    expect(stage?.defaultRouteSettings?.throttlingBurstLimit).toBeGreaterThanOrEqual(stage?.defaultRouteSettings?.throttlingRateLimit ?? Infinity);
  });

  it("gives the api function 512 MB and a timeout under API Gateway's 30 s", () => {
    const fn = functionFor("api");
    expect(fn.args.memory).toBe("512 MB");
    expect(timeoutSeconds(fn)).toBeLessThan(API_GATEWAY_LIMIT_SECONDS);
  });

  it("installs swagger-ui-dist beside the api bundle, where /docs reads Swagger UI's files (only there)", () => {
    expect(functionFor("api").args.nodejs).toEqual({ install: ["swagger-ui-dist"] });
    expect(functionFor("worker").args.nodejs).toBeUndefined();
    expect(functionFor("sweeper").args.nodejs).toBeUndefined();
  });
});

describe("sweeper", () => {
  it("runs the sweeper handler every minute, within the minute", () => {
    const cron = recording().component("sst.aws.Cron", "Sweeper");
    expect(cron.args.schedule).toBe("rate(1 minute)");
    const crons = recording().crons.filter((c) => c.cron === cron);
    expect(crons).toHaveLength(1);
    expect(crons[0] && handlerName(crons[0].fn)).toBe("sweeper");
    expect(timeoutSeconds(functionFor("sweeper"))).toBeLessThan(60);
  });
});

describe("provider monitor", () => {
  it("runs the provider-monitor handler every 5 minutes, within the period, without retries", () => {
    const cron = recording().component("sst.aws.Cron", "ProviderMonitor");
    expect(cron.args.schedule).toBe("rate(5 minutes)");
    const crons = recording().crons.filter((c) => c.cron === cron);
    expect(crons).toHaveLength(1);
    expect(crons[0] && handlerName(crons[0].fn)).toBe("provider-monitor");
    expect(timeoutSeconds(functionFor("provider-monitor"))).toBeLessThan(300);
    expect(functionFor("provider-monitor").args.retries).toBe(0);
  });
});

describe("outputs", () => {
  it("include the API URL, the table name and the queue URL", () => {
    const values = Object.values(evaluation.outputs);
    const has = (name: string, attribute: string) => values.some((v) => isRef(v, recording().byName(name), attribute));
    expect(has("Api", "url"), "an output is Api.url").toBe(true);
    expect(has("RouterTable", "name"), "an output is RouterTable.name").toBe(true);
    expect(has("WorkQueue", "url"), "an output is WorkQueue.url").toBe(true);
  });
});

describe("the stand-in itself is strict", () => {
  // Each case uses a fresh stand-in, without installing it as globals.
  type Ctor = new (...args: unknown[]) => Record<string, (...args: unknown[]) => unknown>;
  const fresh = () => {
    const standIn = createSstStandIn();
    standIn.recording.evaluating = true;
    const sst = standIn.globals.sst as {
      Secret: Ctor;
      aws: { Queue: Ctor; Function: Ctor; Cron: Ctor; ApiGatewayV2: Ctor } & Record<string, unknown>;
    };
    return { standIn, sst };
  };

  it("refuses a component SST does not have", () => {
    const { sst } = fresh();
    expect(() => sst.aws.Tabel).toThrow(SstStandInError);
  });

  it("refuses an option, or a nested option, the docs do not list", () => {
    const { sst } = fresh();
    expect(() => new sst.aws.Queue("A", { visibilityTimeOut: "60 seconds" })).toThrow(/visibilityTimeOut is not an option/);
    expect(() => new sst.aws.Queue("B", { dlq: { queue: "arn:aws:sqs:x", retry: 5, maxReceiveCount: 5 } })).toThrow(/maxReceiveCount/);
    expect(() => new sst.aws.Function("C", { handler: "x.handler", memorySize: 512 })).toThrow(/memorySize/);
  });

  it("refuses deprecated options and malformed values", () => {
    const { sst } = fresh();
    expect(() => new sst.aws.Cron("A", { job: "x.handler", schedule: "rate(1 minute)" })).toThrow(/deprecated/);
    expect(() => new sst.aws.Function("B", { handler: "x.handler", timeout: "60s" })).toThrow(/not a duration/);
    expect(() => new sst.aws.Function("C", { handler: "x.handler", timeout: "1 hour" })).toThrow(/not a duration/);
    expect(() => new sst.aws.Function("D", { handler: "x.handler", runtime: "nodejs16.x" })).toThrow(/runtime/);
    expect(() => new sst.aws.Cron("E", { function: "x.handler", schedule: "every minute" })).toThrow(/schedule/);
  });

  it("refuses unknown members, a second subscriber, bad routes and stringified Outputs", () => {
    const { sst } = fresh();
    const queue = new sst.aws.Queue("Q");
    expect(() => queue.queueUrl).toThrow(/no member "queueUrl"/);
    queue.subscribe?.("x.handler");
    expect(() => queue.subscribe?.("y.handler")).toThrow(/one subscriber/);
    const api = new sst.aws.ApiGatewayV2("Api");
    expect(() => api.route?.("/anything", "x.handler")).toThrow(/METHOD \/path/);
    expect(() => `${String(queue.url)}`).toThrow(/\$interpolate/);
  });

  it("refuses duplicate and malformed component names", () => {
    const { sst } = fresh();
    new sst.Secret("Key");
    expect(() => new sst.Secret("Key")).toThrow(/already exists/);
    expect(() => new sst.Secret("admin-key")).toThrow(/capital letter/);
  });
});
