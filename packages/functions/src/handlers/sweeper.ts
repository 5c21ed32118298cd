/** Lambda entry of the sweeper (every minute): re-queues overdue unfinished tasks. */
import { createSweeperHandler } from "../queue-handlers.ts";
import { awsRuntime } from "./aws-settings.ts";

export const handler = createSweeperHandler(awsRuntime({ providers: false }).ctx);
