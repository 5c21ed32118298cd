/** Lambda entry of the sweeper (every minute): re-queues overdue unfinished tasks. */
import { createSweeperHandler } from "../queue-handlers.ts";
import { runtime } from "./aws-settings.ts";

export const handler = createSweeperHandler(runtime.ctx);
