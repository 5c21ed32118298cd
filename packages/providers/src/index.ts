/**
 * The protocol adapters, by protocol name. A provider is data (providers file) plus one of
 * these; a new provider speaking a known protocol needs no code.
 */
import type { AdapterRegistry } from "@solver-router/core";
import { acedataAdapter } from "./acedata/adapter.ts";
import { solverv2Adapter } from "./solverv2/adapter.ts";
import { twocaptchaAdapter } from "./twocaptcha/adapter.ts";

export const defaultAdapters: AdapterRegistry = Object.fromEntries(
  [twocaptchaAdapter, acedataAdapter, solverv2Adapter].map((adapter) => [adapter.protocol, adapter]),
);

export { launchProviders } from "./launch-providers.ts";
