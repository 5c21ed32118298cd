/**
 * For fauxqs, which accepts any credentials: fixed ones keep the SDK from looking for real ones.
 * DynamoDB Local gets a random key instead (data-dir.ts), as it keeps a database per key.
 */
export const LOCAL_REGION = "us-east-1";
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
export const TABLE_NAME = "solver-router";
export const QUEUE_NAME = "solver-router-work";
export const DLQ_NAME = "solver-router-work-dlq";
/**
 * 60 s: longer than any one step takes (upstream requests time out after 15 s, AceData's
 * synchronous solve after 45 s). AWS's rule of six times the function timeout (infra/queue.ts)
 * guards against Lambda's poller retrying invocations; the local worker loop invokes the
 * handler once per batch and does not. As in AWS, a message goes to the DLQ after 5 receives.
 */
export const VISIBILITY_TIMEOUT_SECONDS = 60;
export const MAX_RECEIVE_COUNT = 5;
