/** Lambda entry of the provider monitor (every 5 minutes): upstream balances and cooldown readings. */
import { createProviderMonitorHandler } from "../provider-monitor.ts";
import { awsRuntime } from "./aws-settings.ts";

export const handler = createProviderMonitorHandler(awsRuntime({ providers: true }).ctx);
