/* global process */
/**
 * Stands in for the Lambda Node runtime, for the bundle test: a process of its own per function,
 * with the function's environment, that imports one bundle (the `.mjs` `pnpm build` wrote) once,
 * then calls its `handler(event, context)` for each invocation the parent sends over IPC and
 * sends the result (or the error) back. Plain JavaScript run by plain node, like Lambda: no
 * TypeScript loader between the bundle and the runtime.
 *
 * argv[2]: the bundle's path. Messages in: {id, event}; out: {id, result} or {id, error}.
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";

const bundle = process.argv[2];
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "router-function";
const module = await import(pathToFileURL(bundle).href);
if (typeof module.handler !== "function") throw new Error(`${bundle} exports no handler`);

process.on("message", async ({ id, event, timeoutMs }) => {
  const deadline = Date.now() + timeoutMs;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const result = await module.handler(event, context);
    process.send({ id, result: result ?? null });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
});
process.send({ ready: true });
