// Every AWS resource of the router, imported by sst.config.ts.
export * from "./secrets";
export * from "./storage";
export * from "./queue";
export * from "./api";
export * from "./worker";
export * from "./sweeper";
export * from "./aggregator";
export * from "./provider-monitor";
export * from "./alarms";
