/**
 * A recording stand-in for the globals SST v3 gives `sst.config.ts` and `infra/` (`$config`,
 * `$app`, `$dev`, `$interpolate`, `sst.Secret`, `sst.aws.*`). The `sst` CLI cannot run on these
 * machines (it downloads Pulumi first), so the infra code is evaluated against this instead: every
 * component records its name and arguments, every Lambda function records its handler and links,
 * and component attributes (`queue.url`, `table.name`…) are `OutputRef`s naming what they point to.
 *
 * The stand-in is strict, so that a typo cannot pass here and fail at deploy time:
 *  - a component, option, nested option or instance member SST's documentation does not list
 *    throws. The accepted names below are taken from the docs pages named beside each list and
 *    from the component sources those pages are generated from, at the SST version the project
 *    pins (sst 3.18.10 in packages/functions/package.json; the CLI that deploys is that
 *    package): github.com/anomalyco/sst (formerly sst/sst), tag v3.18.10,
 *    platform/src/components/aws/{dynamo,queue,queue-lambda-subscriber,function,apigatewayv2,
 *    cron}.ts, platform/src/components/secret.ts, platform/src/config.ts. sst.dev shows the
 *    newest release, which adds options 3.18.10 lacks (Function `durable`, runtime
 *    "nodejs24.x", composite Dynamo index keys, route `name`, app `state` and `types`, a
 *    Function instance as a Cron's function): those are refused here until the pin moves;
 *  - options SST marks `@deprecated` (e.g. Cron `job`) or `@internal` are refused;
 *  - values with a documented format are checked (durations like "60 seconds" and the unit each
 *    option allows, sizes like "512 MB", runtimes, routes, schedules, numeric ranges);
 *  - component names must be unique and, as SST requires for linkable names, start with a capital
 *    letter and contain only letters and digits; a queue takes one subscriber; an Output cannot be
 *    turned into a string without `$interpolate`.
 * Documented members the infra does not use (`routeUrl`…) throw "not modelled": extend the
 * stand-in when the infra starts using them. Of `nodes`, only what the alarms read is modelled
 * (a Queue's `nodes.queue`, an ApiGatewayV2's `nodes.api`), as OutputRefs named
 * "nodes.queue.name" and so on.
 *
 * The `aws` global (Pulumi's AWS provider, which SST exposes to sst.config.ts) holds the raw
 * resources the infra uses: `aws.cloudwatch.MetricAlarm`, `aws.sns.Topic` and
 * `aws.sns.TopicSubscription`, with the arguments the Pulumi AWS registry documents
 * (https://www.pulumi.com/registry/packages/aws/api-docs/cloudwatch/metricalarm/, …/sns/topic/,
 * …/sns/topicsubscription/).
 */

// ---------------------------------------------------------------------------------------------
// Recording

export class SstStandInError extends Error {
  override name = "SstStandInError";
}

function fail(message: string): never {
  throw new SstStandInError(message);
}

export interface RecordedComponent {
  /** The constructor as written in the infra, e.g. "sst.aws.Queue". */
  readonly type: string;
  readonly name: string;
  readonly args: Record<string, unknown>;
  /** What `new` returned to the infra code. */
  instance: object;
}

/** One Lambda function, wherever it was declared (Function, route, subscriber, cron). */
export interface RecordedFunction {
  /** Where it was declared, e.g. `sst.aws.Queue "WorkQueue" subscriber`. */
  readonly site: string;
  readonly handler: string;
  readonly args: Record<string, unknown>;
  /** `args.link` plus links SST adds from the owner (ApiGatewayV2's `link`). */
  readonly links: readonly unknown[];
}

export interface RecordedRoute {
  readonly api: RecordedComponent;
  readonly route: string;
  readonly fn: RecordedFunction;
  readonly args: Record<string, unknown>;
}

export interface RecordedSubscription {
  readonly queue: RecordedComponent;
  readonly fn: RecordedFunction;
  readonly args: Record<string, unknown>;
}

/** A Lambda subscribed to a table's stream (`Dynamo.subscribe`). */
export interface RecordedStreamSubscription {
  readonly table: RecordedComponent;
  readonly name: string;
  readonly fn: RecordedFunction;
  readonly args: Record<string, unknown>;
}

export interface RecordedCron {
  readonly cron: RecordedComponent;
  readonly fn: RecordedFunction;
}

/** An attribute of a component that is a Pulumi Output in SST (e.g. `Api.url`). */
export class OutputRef {
  constructor(
    readonly component: RecordedComponent,
    readonly attribute: string,
  ) {}

  get label(): string {
    return `${this.component.name}.${this.attribute}`;
  }

  /** Pulumi refuses to stringify an Output; so does the stand-in. */
  toString(): string {
    return fail(`${this.label} is an Output: build strings from it with $interpolate, not a template literal or +`);
  }
}

/** What `$interpolate` returns: the template and the values it refers to. */
export class Interpolation {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

export class Recording {
  readonly components: RecordedComponent[] = [];
  readonly functions: RecordedFunction[] = [];
  readonly routes: RecordedRoute[] = [];
  readonly subscriptions: RecordedSubscription[] = [];
  readonly streamSubscriptions: RecordedStreamSubscription[] = [];
  readonly crons: RecordedCron[] = [];
  /** True while the infra code runs: unknown instance members throw only then. */
  evaluating = false;

  component(type: string, name: string): RecordedComponent {
    const found = this.components.find((c) => c.type === type && c.name === name);
    return found ?? fail(`no ${type} named "${name}" was created (created: ${this.describe()})`);
  }

  byName(name: string): RecordedComponent {
    return this.components.find((c) => c.name === name) ?? fail(`no component named "${name}" (created: ${this.describe()})`);
  }

  /** The recorded component behind an instance the infra code holds. */
  componentOf(instance: unknown): RecordedComponent | undefined {
    return this.components.find((c) => c.instance === instance);
  }

  describe(): string {
    return this.components.map((c) => `${c.type} "${c.name}"`).join(", ") || "none";
  }
}

// ---------------------------------------------------------------------------------------------
// Option specs: which names each component accepts, per SST's docs.

type Check = (value: unknown, path: string) => void;

export type OptionSpec =
  | { readonly kind: "value"; readonly required?: boolean; readonly check?: Check }
  | {
      readonly kind: "object";
      readonly required?: boolean;
      readonly keys: Readonly<Record<string, OptionSpec>>;
      /** Documented but deprecated (or internal): refused, with the reason. */
      readonly refused?: Readonly<Record<string, string>>;
      readonly check?: Check;
    }
  | { readonly kind: "record"; readonly required?: boolean; readonly value: OptionSpec };

const any: OptionSpec = { kind: "value" };
const value = (check: Check, required = false): OptionSpec => ({ kind: "value", check, required });
const object = (
  keys: Record<string, OptionSpec>,
  more: { required?: boolean; refused?: Record<string, string>; check?: Check } = {},
): OptionSpec => ({ kind: "object", keys, ...more });
const record = (entry: OptionSpec): OptionSpec => ({ kind: "record", value: entry });
const required = (spec: OptionSpec): OptionSpec => ({ ...spec, required: true });

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Values only known at deploy time: formats cannot be checked. */
function isDeferred(v: unknown): boolean {
  return v instanceof OutputRef || v instanceof Interpolation;
}

export function validateOptions(v: unknown, spec: OptionSpec, path: string, docs: string): void {
  if (v === undefined) {
    if (spec.required) fail(`${path} is required (${docs})`);
    return;
  }
  if (spec.kind === "record") {
    if (isPlainObject(v)) for (const [k, entry] of Object.entries(v)) validateOptions(entry, spec.value, `${path}.${k}`, docs);
    return;
  }
  if (spec.kind === "object" && isPlainObject(v)) {
    for (const [k, entry] of Object.entries(v)) {
      const reason = spec.refused?.[k];
      if (reason !== undefined) fail(`${path}.${k}: ${reason} (${docs})`);
      const sub = spec.keys[k];
      if (sub === undefined) {
        fail(`${path}.${k} is not an option SST documents here; accepted: ${Object.keys(spec.keys).join(", ")} (${docs})`);
      }
      validateOptions(entry, sub, `${path}.${k}`, docs);
    }
    for (const [k, sub] of Object.entries(spec.keys)) {
      if (sub.required && v[k] === undefined) fail(`${path}.${k} is required (${docs})`);
    }
  }
  if (spec.check && !isDeferred(v)) spec.check(v, path);
}

// Value checks.

const SECOND_UNITS = ["second", "seconds"];
const MINUTE_UNITS = [...SECOND_UNITS, "minute", "minutes"];
const HOUR_UNITS = [...MINUTE_UNITS, "hour", "hours"];
const UNIT_SECONDS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };

/** Seconds in an SST duration ("60 seconds", "6 minutes"), checking the units the type allows. */
export function durationSeconds(v: unknown, path: string, units: readonly string[] = HOUR_UNITS): number {
  if (typeof v !== "string") return fail(`${path} must be a duration string like "60 seconds", got ${JSON.stringify(v)}`);
  const match = /^(\d+) ([a-z]+)$/.exec(v);
  const unit = match?.[2];
  if (!match || unit === undefined || !units.includes(unit)) {
    return fail(`${path}: "${v}" is not a duration SST accepts here (a whole number and one of: ${units.join(", ")})`);
  }
  return Number(match[1]) * (UNIT_SECONDS[unit.replace(/s$/, "")] ?? NaN);
}

const duration =
  (units: readonly string[], min: number, max: number): Check =>
  (v, path) => {
    const seconds = durationSeconds(v, path, units);
    if (seconds < min || seconds > max) fail(`${path}: ${String(v)} is outside ${min}-${max} seconds`);
  };

const size =
  (minMb: number, maxMb: number): Check =>
  (v, path) => {
    const match = typeof v === "string" ? /^(\d+(?:\.\d+)?) (MB|GB)$/.exec(v) : null;
    if (!match) return fail(`${path} must be a size like "512 MB", got ${JSON.stringify(v)}`);
    const mb = Number(match[1]) * (match[2] === "GB" ? 1024 : 1);
    if (mb < minMb || mb > maxMb) fail(`${path}: ${String(v)} is outside ${minMb}-${maxMb} MB`);
  };

const oneOf =
  (...allowed: readonly unknown[]): Check =>
  (v, path) => {
    if (!allowed.includes(v)) fail(`${path} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(v)}`);
  };

const integer =
  (min: number, max: number): Check =>
  (v, path) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      fail(`${path} must be an integer in ${min}-${max}, got ${JSON.stringify(v)}`);
    }
  };

const isString: Check = (v, path) => {
  if (typeof v !== "string" || v === "") fail(`${path} must be a non-empty string, got ${JSON.stringify(v)}`);
};
const isBoolean: Check = (v, path) => {
  if (typeof v !== "boolean") fail(`${path} must be a boolean, got ${JSON.stringify(v)}`);
};
const isArray: Check = (v, path) => {
  if (!Array.isArray(v)) fail(`${path} must be an array, got ${JSON.stringify(v)}`);
};
const isFunction: Check = (v, path) => {
  if (typeof v !== "function") fail(`${path} must be a function`);
};

const DEPRECATED = "deprecated in SST's docs";
const INTERNAL = "internal to SST, not a documented option";

// https://sst.dev/docs/component/aws/function (platform/src/components/aws/function.ts, FunctionArgs)
export const FUNCTION_DOCS = "https://sst.dev/docs/component/aws/function";
export const FUNCTION_ARGS: OptionSpec = object(
  {
    dev: value(oneOf(false)),
    retries: value(integer(0, 2)),
    name: value(isString),
    description: value(isString),
    runtime: value(
      oneOf(
        "nodejs18.x", "nodejs20.x", "nodejs22.x", "go", "rust", "provided.al2023",
        "python3.9", "python3.10", "python3.11", "python3.12",
      ),
    ),
    bundle: value(isString),
    handler: value(isString, true),
    timeout: value(duration(MINUTE_UNITS, 1, 900)),
    memory: value(size(128, 10240)),
    storage: value(size(512, 10240)),
    environment: record(any),
    permissions: value(isArray),
    policies: value(isArray),
    link: value(isArray),
    streaming: value(isBoolean),
    logging: object({ retention: any, logGroup: any, format: value(oneOf("text", "json")) }),
    architecture: value(oneOf("x86_64", "arm64")),
    role: value(isString),
    url: object({ router: any, authorization: value(oneOf("none", "iam")), cors: any }, { refused: { route: DEPRECATED } }),
    nodejs: object(
      {
        loader: any,
        install: any,
        banner: value(isString),
        esbuild: any,
        minify: value(isBoolean),
        format: value(oneOf("cjs", "esm")),
        sourcemap: value(isBoolean),
        splitting: value(isBoolean),
      },
      { refused: { plugins: INTERNAL } },
    ),
    python: object({ container: any }),
    copyFiles: value(isArray),
    concurrency: object({ provisioned: value(integer(0, 100000)), reserved: value(integer(0, 100000)) }),
    versioning: value(isBoolean),
    layers: value(isArray),
    volume: object({ efs: required(any), path: any }),
    tags: record(any),
    vpc: object({ securityGroups: required(any), privateSubnets: required(any) }, { refused: { subnets: DEPRECATED } }),
    hook: object({ postbuild: required(value(isFunction)) }),
    transform: object({ function: any, role: any, logGroup: any, eventInvokeConfig: any }),
  },
  { refused: { live: `${DEPRECATED} (use dev)`, injections: INTERNAL, _skipMetadata: INTERNAL, _skipHint: INTERNAL } },
);

// https://sst.dev/docs/component/aws/dynamo (platform/src/components/aws/dynamo.ts, DynamoArgs)
export const DYNAMO_DOCS = "https://sst.dev/docs/component/aws/dynamo";
const projection = value((v, path) => {
  if (v !== "all" && v !== "keys-only" && !Array.isArray(v)) fail(`${path} must be "all", "keys-only" or a list of fields`);
});
export const DYNAMO_ARGS: OptionSpec = object(
  {
    fields: required(record(value(oneOf("string", "number", "binary")))),
    primaryIndex: required(object({ hashKey: required(value(isString)), rangeKey: value(isString) })),
    globalIndexes: record(object({ hashKey: required(value(isString)), rangeKey: value(isString), projection })),
    localIndexes: record(object({ rangeKey: required(value(isString)), projection })),
    stream: value(oneOf("keys-only", "new-image", "old-image", "new-and-old-images")),
    ttl: value(isString),
    deletionProtection: value(isBoolean),
    transform: object({ table: any }),
  },
  {
    // Every attribute an index uses must be declared in `fields`, and only those.
    check: (v, path) => {
      if (!isPlainObject(v) || !isPlainObject(v.fields)) return;
      const declared = new Set(Object.keys(v.fields));
      const used = new Set<string>();
      const use = (key: unknown, where: string) => {
        if (typeof key !== "string") return;
        if (!declared.has(key)) fail(`${where}: "${key}" is not declared in ${path}.fields`);
        used.add(key);
      };
      const primary = v.primaryIndex;
      if (isPlainObject(primary)) {
        use(primary.hashKey, `${path}.primaryIndex.hashKey`);
        use(primary.rangeKey, `${path}.primaryIndex.rangeKey`);
      }
      for (const kind of ["globalIndexes", "localIndexes"] as const) {
        const indexes = v[kind];
        if (!isPlainObject(indexes)) continue;
        for (const [name, index] of Object.entries(indexes)) {
          if (!isPlainObject(index)) continue;
          use(index.hashKey, `${path}.${kind}.${name}.hashKey`);
          use(index.rangeKey, `${path}.${kind}.${name}.rangeKey`);
        }
      }
      for (const n of declared) if (!used.has(n)) fail(`${path}.fields.${n} is declared but no index uses it (SST: "only define fields used in indexes")`);
    },
  },
);

// https://sst.dev/docs/component/aws/queue (platform/src/components/aws/queue.ts, QueueArgs)
export const QUEUE_DOCS = "https://sst.dev/docs/component/aws/queue";
export const QUEUE_ARGS: OptionSpec = object({
  fifo: object({ contentBasedDeduplication: value(isBoolean) }, { check: (v, path) => isPlainObject(v) || isBoolean(v, path) }),
  delay: value(duration(MINUTE_UNITS, 0, 900)),
  visibilityTimeout: value(duration(HOUR_UNITS, 0, 12 * 3600)),
  dlq: object(
    // SQS's maxReceiveCount is 1-1000.
    { queue: required(value(isString)), retry: required(value(integer(1, 1000))) },
    { check: (v, path) => isPlainObject(v) || isString(v, path) },
  ),
  transform: object({ queue: any }),
});

// https://sst.dev/docs/component/aws/queue#subscribe and
// https://sst.dev/docs/component/aws/queue-lambda-subscriber (QueueSubscriberArgs)
export const QUEUE_SUBSCRIBER_ARGS: OptionSpec = object({
  filters: value(isArray),
  batch: object(
    {
      size: value(integer(1, 10000)),
      window: value(duration(MINUTE_UNITS, 0, 300)),
      partialResponses: value(isBoolean),
    },
    {
      check: (v, path) => {
        if (!isPlainObject(v) || typeof v.size !== "number" || v.size <= 10) return;
        if (v.window === undefined || (!isDeferred(v.window) && durationSeconds(v.window, `${path}.window`) < 1)) {
          fail(`${path}: a batch size above 10 needs a window of at least "1 second" (${QUEUE_DOCS})`);
        }
      },
    },
  ),
  transform: object({ eventSourceMapping: any, function: any }),
});

// https://sst.dev/docs/component/aws/dynamo#subscribe and
// https://sst.dev/docs/component/aws/dynamo-lambda-subscriber (DynamoSubscriberArgs)
export const DYNAMO_SUBSCRIBER_ARGS: OptionSpec = object({
  filters: value(isArray),
  transform: object({ eventSourceMapping: any, function: any }),
});

// https://sst.dev/docs/component/aws/apigatewayv2 (platform/src/components/aws/apigatewayv2.ts)
export const API_DOCS = "https://sst.dev/docs/component/aws/apigatewayv2";
export const API_ARGS: OptionSpec = object({
  link: value(isArray),
  domain: any,
  cors: any,
  accessLog: object({ retention: any }),
  vpc: object({ securityGroups: required(any), subnets: required(any) }),
  transform: object({
    api: any,
    stage: any,
    domainName: any,
    vpcLink: any,
    logGroup: any,
    route: object({ handler: any, args: any }),
  }),
});
// ApiGatewayV2RouteArgs, the third argument of `route`.
export const API_ROUTE_ARGS: OptionSpec = object({
  auth: object({ iam: value(isBoolean), jwt: any, lambda: any }, { check: (v, path) => isPlainObject(v) || oneOf(false)(v, path) }),
  transform: object({ integration: any, route: any }),
});
const ROUTE_METHODS = ["ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

// https://sst.dev/docs/component/aws/cron (platform/src/components/aws/cron.ts, CronArgs)
export const CRON_DOCS = "https://sst.dev/docs/component/aws/cron";
export const CRON_ARGS: OptionSpec = object(
  {
    function: any,
    task: any,
    event: any,
    schedule: required(
      value((v, path) => {
        if (typeof v !== "string" || !/^(rate|cron)\(.+\)$/.test(v)) fail(`${path} must be "rate(...)" or "cron(...)", got ${JSON.stringify(v)}`);
      }),
    ),
    enabled: value(isBoolean),
    transform: object({ rule: any, target: any }),
  },
  {
    refused: { job: `${DEPRECATED} (use function)` },
    check: (v, path) => {
      if (isPlainObject(v) && (v.function === undefined) === (v.task === undefined)) fail(`${path} needs exactly one of function and task (${CRON_DOCS})`);
    },
  },
);

// https://sst.dev/docs/reference/config (platform/src/config.ts, Config and App)
export const CONFIG_DOCS = "https://sst.dev/docs/reference/config";
export const CONFIG_ARGS: OptionSpec = object({
  app: required(value(isFunction)),
  run: required(value(isFunction)),
  console: any,
});
export const APP_ARGS: OptionSpec = object({
  version: value(isString),
  name: required(value(isString)),
  removal: value(oneOf("remove", "retain", "retain-all")),
  providers: any,
  home: required(value(oneOf("aws", "cloudflare", "local"))),
  protect: value(isBoolean),
  watch: any,
});

// Pulumi AWS: cloudwatch.MetricAlarm (MetricAlarmArgs).
export const METRIC_ALARM_DOCS = "https://www.pulumi.com/registry/packages/aws/api-docs/cloudwatch/metricalarm/";
const isNumber: Check = (v, path) => {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(`${path} must be a number, got ${JSON.stringify(v)}`);
};
export const METRIC_ALARM_ARGS: OptionSpec = object(
  {
    name: value(isString),
    alarmDescription: value(isString),
    actionsEnabled: value(isBoolean),
    alarmActions: value(isArray),
    okActions: value(isArray),
    insufficientDataActions: value(isArray),
    namespace: value(isString),
    metricName: value(isString),
    dimensions: record(any),
    statistic: value(oneOf("SampleCount", "Average", "Sum", "Minimum", "Maximum")),
    extendedStatistic: value(isString),
    unit: value(isString),
    // CloudWatch takes 10, 20 or 30 seconds (high resolution) or a multiple of 60.
    period: value((v, path) => {
      if (typeof v !== "number" || !(v === 10 || v === 20 || v === 30 || (Number.isInteger(v) && v >= 60 && v % 60 === 0 && v <= 86400))) {
        fail(`${path} must be 10, 20, 30 or a multiple of 60 seconds, got ${JSON.stringify(v)}`);
      }
    }),
    evaluationPeriods: required(value(integer(1, 100))),
    datapointsToAlarm: value(integer(1, 100)),
    threshold: value(isNumber),
    thresholdMetricId: value(isString),
    comparisonOperator: required(
      value(
        oneOf(
          "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold",
          "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold",
        ),
      ),
    ),
    treatMissingData: value(oneOf("missing", "ignore", "breaching", "notBreaching")),
    evaluateLowSampleCountPercentiles: value(oneOf("ignore", "evaluate")),
    metricQueries: value(isArray),
    tags: record(any),
  },
  {
    check: (v, path) => {
      if (!isPlainObject(v)) return;
      const single = v.metricName !== undefined || v.namespace !== undefined;
      if (single === (v.metricQueries !== undefined)) fail(`${path} needs either metricName and namespace or metricQueries (${METRIC_ALARM_DOCS})`);
      if (single && (v.metricName === undefined || v.namespace === undefined || v.period === undefined)) {
        fail(`${path}: a single-metric alarm needs metricName, namespace and period (${METRIC_ALARM_DOCS})`);
      }
      if (single && (v.statistic === undefined) === (v.extendedStatistic === undefined)) fail(`${path} needs exactly one of statistic and extendedStatistic`);
      if (typeof v.datapointsToAlarm === "number" && typeof v.evaluationPeriods === "number" && v.datapointsToAlarm > v.evaluationPeriods) {
        fail(`${path}.datapointsToAlarm cannot exceed evaluationPeriods`);
      }
    },
  },
);

// Pulumi AWS: sns.Topic and sns.TopicSubscription.
export const SNS_TOPIC_DOCS = "https://www.pulumi.com/registry/packages/aws/api-docs/sns/topic/";
export const SNS_TOPIC_ARGS: OptionSpec = object({
  name: value(isString),
  namePrefix: value(isString),
  displayName: value(isString),
  fifoTopic: value(isBoolean),
  contentBasedDeduplication: value(isBoolean),
  kmsMasterKeyId: value(isString),
  policy: any,
  deliveryPolicy: any,
  tags: record(any),
});
export const SNS_SUBSCRIPTION_DOCS = "https://www.pulumi.com/registry/packages/aws/api-docs/sns/topicsubscription/";
export const SNS_SUBSCRIPTION_ARGS: OptionSpec = object({
  topic: required(value(isString)),
  protocol: required(value(oneOf("sqs", "sms", "lambda", "firehose", "application", "email", "email-json", "http", "https"))),
  endpoint: required(value(isString)),
  confirmationTimeoutInMinutes: value(integer(1, 10000)),
  endpointAutoConfirms: value(isBoolean),
  filterPolicy: any,
  filterPolicyScope: value(oneOf("MessageAttributes", "MessageBody")),
  rawMessageDelivery: value(isBoolean),
  redrivePolicy: any,
  replayPolicy: any,
  subscriptionRoleArn: value(isString),
  deliveryPolicy: any,
});

// https://sst.dev/docs/component/secret (platform/src/components/secret.ts)
export const SECRET_DOCS = "https://sst.dev/docs/component/secret";

// ---------------------------------------------------------------------------------------------
// Components

interface ComponentDefinition {
  readonly type: string;
  readonly docs: string;
  /** Attributes that are Outputs in SST. */
  readonly outputs: readonly string[];
  /** Methods the stand-in implements. */
  readonly methods?: Readonly<Record<string, (component: RecordedComponent, ...args: unknown[]) => unknown>>;
  /** Documented members the stand-in does not implement. */
  readonly unmodelled: readonly string[];
  /** The modelled part of `nodes`: each underlying resource and its Output attributes. */
  readonly nodes?: Readonly<Record<string, readonly string[]>>;
}

/** Names SST accepts for components and links: a capital letter, then letters and digits. */
const COMPONENT_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** Members that runtimes and test tooling probe on any object; never an infra mistake. */
const PROBED = new Set(["then", "toJSON", "constructor", "asymmetricMatch", "$$typeof", "nodeType", "tagName", "@@__IMMUTABLE_ITERABLE__@@", "@@__IMMUTABLE_RECORD__@@"]);

export interface SstStandIn {
  readonly recording: Recording;
  /** The globals, by name, as SST defines them for sst.config.ts. */
  readonly globals: Record<string, unknown>;
  /** Records what `app(input)` returned; `$app` is readable afterwards. */
  setApp(app: unknown, stage: string): Record<string, unknown>;
}

export function createSstStandIn(): SstStandIn {
  const recording = new Recording();
  let app: Record<string, unknown> | undefined;

  function addComponent(type: string, docs: string, name: unknown, args: Record<string, unknown>): RecordedComponent {
    if (typeof name !== "string" || !COMPONENT_NAME.test(name)) {
      fail(`${type}: name ${JSON.stringify(name)} must start with a capital letter and contain only letters and digits (${docs})`);
    }
    if (recording.components.some((c) => c.name === name)) fail(`${type}: a component named "${name}" already exists`);
    const component: RecordedComponent = { type, name, args, instance: {} };
    recording.components.push(component);
    return component;
  }

  /** The instance the infra code gets: outputs and modelled methods; anything else throws. */
  function instanceFor(component: RecordedComponent, definition: ComponentDefinition): object {
    const target: Record<string, unknown> = {};
    for (const attribute of definition.outputs) target[attribute] = new OutputRef(component, attribute);
    for (const [method, implementation] of Object.entries(definition.methods ?? {})) {
      target[method] = (...args: unknown[]) => implementation(component, ...args);
    }
    if (definition.nodes) {
      const nodes: Record<string, unknown> = {};
      for (const [node, attributes] of Object.entries(definition.nodes)) {
        const members = Object.fromEntries(attributes.map((a) => [a, new OutputRef(component, `nodes.${node}.${a}`)]));
        nodes[node] = strictObject(members, `${definition.type} "${component.name}".nodes.${node}`, definition.docs);
      }
      target.nodes = strictObject(nodes, `${definition.type} "${component.name}".nodes`, definition.docs);
    }
    return new Proxy(target, {
      get(t, key) {
        if (typeof key === "symbol" || key in t || PROBED.has(key) || !recording.evaluating) return t[key as string];
        if (definition.unmodelled.includes(key)) fail(`${definition.type} "${component.name}".${key} is documented but not modelled by the stand-in: extend test/infra/sst-recorder.ts`);
        return fail(`${definition.type} "${component.name}" has no member "${key}" in SST's docs (${definition.docs})`);
      },
      set(_t, key) {
        return fail(`${definition.type} "${component.name}": cannot assign ${String(key)}`);
      },
    });
  }

  /** An object whose unknown members throw while the infra is evaluated (a typo in `nodes.queue.nmae`). */
  function strictObject(members: Record<string, unknown>, label: string, docs: string): object {
    return new Proxy(members, {
      get(t, key) {
        if (typeof key === "symbol" || key in t || PROBED.has(key) || !recording.evaluating) return t[key as string];
        return fail(`${label} has no member "${key}" modelled by the stand-in (${docs}): extend test/infra/sst-recorder.ts if SST documents it`);
      },
    });
  }

  /** Normalises what SST accepts as a function: a handler string, FunctionArgs, or a function's ARN. */
  function recordFunction(input: unknown, site: string, ownerLinks: readonly unknown[] = []): RecordedFunction {
    if (input instanceof OutputRef && input.component.type === "sst.aws.Function" && input.attribute === "arn") {
      return recordedFunctionOf(input.component);
    }
    if (typeof input === "string" && input.startsWith("arn:")) fail(`${site}: an existing function's ARN; the router's functions are all defined here`);
    const args = typeof input === "string" ? { handler: input } : input;
    if (!isPlainObject(args)) return fail(`${site}: expected a handler string or FunctionArgs, got ${JSON.stringify(input)}`);
    validateOptions(args, FUNCTION_ARGS, site, FUNCTION_DOCS);
    const link = Array.isArray(args.link) ? args.link : [];
    const fn: RecordedFunction = { site, handler: args.handler as string, args, links: [...ownerLinks, ...link] };
    recording.functions.push(fn);
    return fn;
  }

  function recordedFunctionOf(component: RecordedComponent): RecordedFunction {
    return recording.functions.find((f) => f.site === `sst.aws.Function "${component.name}"`) ?? fail(`no function recorded for ${component.name}`);
  }

  function optionsOf(args: unknown, type: string, docs: string): Record<string, unknown> {
    if (args === undefined) return {};
    if (!isPlainObject(args)) return fail(`${type}: arguments must be an object literal, got ${JSON.stringify(args)} (${docs})`);
    return args;
  }

  /** A class for the infra code to `new`, with SST's (name, args, opts) signature. */
  function componentClass(
    definition: ComponentDefinition,
    spec: OptionSpec,
    argsRequired: boolean,
    afterCreate?: (component: RecordedComponent) => void,
  ) {
    return class {
      constructor(name: unknown, args?: unknown, opts?: unknown) {
        if (argsRequired && args === undefined) fail(`${definition.type} "${String(name)}" needs arguments (${definition.docs})`);
        if (opts !== undefined && !isPlainObject(opts)) fail(`${definition.type} "${String(name)}": opts must be an object`);
        const options = optionsOf(args, definition.type, definition.docs);
        const component = addComponent(definition.type, definition.docs, name, options);
        validateOptions(options, spec, `${definition.type} "${component.name}"`, definition.docs);
        afterCreate?.(component);
        component.instance = instanceFor(component, definition);
        return component.instance as this;
      }
    };
  }

  const subscribed = new Set<RecordedComponent>();
  const routes = new Map<RecordedComponent, Set<string>>();

  const Dynamo = componentClass(
    {
      type: "sst.aws.Dynamo",
      docs: DYNAMO_DOCS,
      outputs: ["arn", "name"],
      methods: {
        subscribe(table, name, subscriber, args, opts) {
          const site = `sst.aws.Dynamo "${table.name}" subscriber`;
          if (typeof name !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(name)) fail(`${site}: the first argument is the subscriber's name (${DYNAMO_DOCS})`);
          if (table.args.stream === undefined) fail(`${site}: the table has no stream; set \`stream\` (${DYNAMO_DOCS})`);
          if (opts !== undefined && !isPlainObject(opts)) fail(`${site}: opts must be an object`);
          const options = optionsOf(args, site, DYNAMO_DOCS);
          validateOptions(options, DYNAMO_SUBSCRIBER_ARGS, `${site} args`, DYNAMO_DOCS);
          const fn = recordFunction(subscriber, site);
          recording.streamSubscriptions.push({ table, name, fn, args: options });
          return { table: table.name, function: fn };
        },
      },
      unmodelled: ["nodes", "getSSTLink"],
    },
    DYNAMO_ARGS,
    true,
  );

  const Queue = componentClass(
    {
      type: "sst.aws.Queue",
      docs: QUEUE_DOCS,
      outputs: ["arn", "url"],
      methods: {
        subscribe(queue, subscriber, args, opts) {
          const site = `sst.aws.Queue "${queue.name}" subscriber`;
          if (subscribed.has(queue)) fail(`${site}: an SQS queue can only have one subscriber (${QUEUE_DOCS})`);
          subscribed.add(queue);
          if (opts !== undefined && !isPlainObject(opts)) fail(`${site}: opts must be an object`);
          const options = optionsOf(args, site, QUEUE_DOCS);
          validateOptions(options, QUEUE_SUBSCRIBER_ARGS, `${site} args`, QUEUE_DOCS);
          const fn = recordFunction(subscriber, site);
          recording.subscriptions.push({ queue, fn, args: options });
          return { queue: queue.name, function: fn };
        },
      },
      unmodelled: ["getSSTLink"],
      nodes: { queue: ["arn", "name", "url"] },
    },
    QUEUE_ARGS,
    false,
  );

  const FunctionComponent = componentClass(
    {
      type: "sst.aws.Function",
      docs: FUNCTION_DOCS,
      outputs: ["url", "name", "arn"],
      unmodelled: ["nodes", "addEnvironment", "getSSTLink", "targetArn", "qualifier", "targetInvokeArn", "targetResponseStreamingInvokeArn"],
    },
    { kind: "value" },
    true,
    (component) => {
      recordFunction(component.args, `sst.aws.Function "${component.name}"`);
    },
  );

  const ApiGatewayV2 = componentClass(
    {
      type: "sst.aws.ApiGatewayV2",
      docs: API_DOCS,
      outputs: ["url"],
      methods: {
        route(api, rawRoute, handler, args) {
          const site = `sst.aws.ApiGatewayV2 "${api.name}" route ${JSON.stringify(rawRoute)}`;
          if (typeof rawRoute !== "string") return fail(`${site}: the route must be a string`);
          let route: string;
          if (rawRoute.toLowerCase() === "$default") route = "$default";
          else {
            const parts = rawRoute.split(" ");
            const method = parts[0]?.toUpperCase() ?? "";
            const path = parts[1] ?? "";
            if (parts.length !== 2 || !ROUTE_METHODS.includes(method) || !path.startsWith("/")) {
              return fail(`${site}: a route is "$default" or "METHOD /path" with METHOD one of ${ROUTE_METHODS.join(", ")} (${API_DOCS})`);
            }
            route = `${method} ${path}`;
          }
          const taken = routes.get(api) ?? new Set<string>();
          if (taken.has(route)) fail(`${site}: duplicate route`);
          taken.add(route);
          routes.set(api, taken);
          const options = optionsOf(args, site, API_DOCS);
          validateOptions(options, API_ROUTE_ARGS, `${site} args`, API_DOCS);
          // SST adds the API's own `link` to every route's handler.
          const apiLinks = Array.isArray(api.args.link) ? api.args.link : [];
          const fn = recordFunction(handler, site, apiLinks);
          recording.routes.push({ api, route, fn, args: options });
          return { route, function: fn };
        },
      },
      unmodelled: ["routeUrl", "routePrivate", "addAuthorizer", "getSSTLink"],
      nodes: { api: ["id", "arn", "apiEndpoint", "executionArn"] },
    },
    API_ARGS,
    false,
  );

  const Cron = componentClass(
    { type: "sst.aws.Cron", docs: CRON_DOCS, outputs: [], unmodelled: ["nodes"] },
    CRON_ARGS,
    true,
    (cron) => {
      if (cron.args.function !== undefined) {
        recording.crons.push({ cron, fn: recordFunction(cron.args.function, `sst.aws.Cron "${cron.name}" function`) });
      }
    },
  );

  const MetricAlarm = componentClass(
    { type: "aws.cloudwatch.MetricAlarm", docs: METRIC_ALARM_DOCS, outputs: ["arn", "id", "name"], unmodelled: [] },
    METRIC_ALARM_ARGS,
    true,
  );
  const SnsTopic = componentClass({ type: "aws.sns.Topic", docs: SNS_TOPIC_DOCS, outputs: ["arn", "id", "name"], unmodelled: [] }, SNS_TOPIC_ARGS, false);
  const SnsTopicSubscription = componentClass(
    { type: "aws.sns.TopicSubscription", docs: SNS_SUBSCRIPTION_DOCS, outputs: ["arn", "id"], unmodelled: [] },
    SNS_SUBSCRIPTION_ARGS,
    true,
  );

  class Secret {
    constructor(name: unknown, placeholder?: unknown, ...rest: unknown[]) {
      if (rest.length > 0) fail(`sst.Secret takes (name, placeholder?) (${SECRET_DOCS})`);
      if (placeholder !== undefined && typeof placeholder !== "string" && !isDeferred(placeholder)) {
        fail(`sst.Secret "${String(name)}": the placeholder must be a string (${SECRET_DOCS})`);
      }
      const component = addComponent("sst.Secret", SECRET_DOCS, name, placeholder === undefined ? {} : { placeholder });
      component.instance = instanceFor(component, {
        type: "sst.Secret",
        docs: SECRET_DOCS,
        outputs: ["name", "value", "placeholder"],
        unmodelled: ["getSSTLink"],
      });
      return component.instance as this;
    }
  }

  /** A namespace that throws on names it does not define (e.g. `sst.aws.Tabel`). */
  function namespace(label: string, members: Record<string, unknown>, docs: string): object {
    return new Proxy(members, {
      get(t, key) {
        if (typeof key === "symbol" || key in t || PROBED.has(key)) return t[key as string];
        return fail(`${label}.${key} is not a component the stand-in knows (${docs}); if SST documents it, add it to test/infra/sst-recorder.ts`);
      },
    });
  }

  const sst = namespace(
    "sst",
    {
      Secret,
      aws: namespace(
        "sst.aws",
        { Dynamo, Queue, Function: FunctionComponent, ApiGatewayV2, Cron },
        "https://sst.dev/docs/all-providers",
      ),
    },
    "https://sst.dev/docs/components",
  );

  const awsProvider = namespace(
    "aws",
    {
      cloudwatch: namespace("aws.cloudwatch", { MetricAlarm }, METRIC_ALARM_DOCS),
      sns: namespace("aws.sns", { Topic: SnsTopic, TopicSubscription: SnsTopicSubscription }, SNS_TOPIC_DOCS),
    },
    "https://www.pulumi.com/registry/packages/aws/",
  );

  const globals: Record<string, unknown> = {
    sst,
    aws: awsProvider,
    $config(config: unknown) {
      validateOptions(config, required(CONFIG_ARGS), "$config", CONFIG_DOCS);
      return config;
    },
    $dev: false,
    $interpolate(strings: TemplateStringsArray, ...values: unknown[]) {
      return new Interpolation([...strings], values);
    },
  };
  Object.defineProperty(globals, "$app", {
    enumerable: true,
    get() {
      return app ?? fail("$app is read before app() ran: SST sets it from app()'s result, for run() and the infra it imports");
    },
  });

  return {
    recording,
    globals,
    setApp(result, stage) {
      validateOptions(result, required(APP_ARGS), "app()", CONFIG_DOCS);
      const fields = result as Record<string, unknown>;
      app = Object.freeze({ ...fields, stage });
      return fields;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Evaluating sst.config.ts

export interface Evaluation {
  readonly recording: Recording;
  readonly app: Record<string, unknown>;
  readonly outputs: Record<string, unknown>;
  /** Calls the config's app() again for another stage (no resources are created by app()). */
  appFor(stage: string): Promise<Record<string, unknown>>;
}

interface SstConfig {
  app(input: { stage: string }): unknown;
  run(): Promise<unknown>;
}

/**
 * Installs the stand-in's globals, imports the config (a file path, imported with a runtime
 * specifier so that tsc does not type-check it), runs `app({stage})` then `run()`, and removes
 * the globals again.
 */
export async function evaluateSstConfig(configPath: string, stage: string): Promise<Evaluation> {
  const standIn = createSstStandIn();
  const scope = globalThis as unknown as Record<string, unknown>;
  const saved = new Map<string, PropertyDescriptor | undefined>();
  for (const name of Object.keys(standIn.globals)) {
    saved.set(name, Object.getOwnPropertyDescriptor(scope, name));
    const descriptor = Object.getOwnPropertyDescriptor(standIn.globals, name);
    if (descriptor) Object.defineProperty(scope, name, { ...descriptor, configurable: true });
  }
  try {
    standIn.recording.evaluating = true;
    const loaded = (await import(/* @vite-ignore */ configPath)) as { default?: unknown };
    const config = loaded.default;
    if (!isPlainObject(config)) return fail(`${configPath} must export default $config({...})`);
    const { app: appFn, run } = config as unknown as SstConfig;
    const app = standIn.setApp(await appFn({ stage }), stage);
    const outputs = await run();
    if (outputs !== undefined && !isPlainObject(outputs)) fail(`run() must return an object of outputs or nothing`);
    return {
      recording: standIn.recording,
      app,
      outputs: outputs ?? {},
      appFor: async (other) => {
        const result = await appFn({ stage: other });
        validateOptions(result, required(APP_ARGS), "app()", CONFIG_DOCS);
        return result as Record<string, unknown>;
      },
    };
  } finally {
    standIn.recording.evaluating = false;
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(scope, name, descriptor);
      else delete scope[name];
    }
  }
}
