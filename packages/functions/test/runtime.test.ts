// The runtime refuses, at start-up, a provider whose protocol no adapter speaks: the protocol ids
// belong to the adapters (packages/providers), so the providers file is checked against them.
import { describe, expect, it } from "vitest";
import { createRuntime } from "../src/runtime.ts";

const settings = (protocol: string) => ({
  tableName: "t",
  queueUrl: "http://127.0.0.1:1/queue/q",
  region: "us-east-1",
  credentials: { accessKeyId: "x", secretAccessKey: "x" },
  providers: [{ id: "p1", protocol, baseUrl: "http://127.0.0.1:1", apiKey: "k", enabled: true, tasks: {} }],
});

describe("createRuntime", () => {
  it("refuses a provider whose protocol no adapter speaks, naming it and the known ones", () => {
    expect(() => createRuntime(settings("anticaptcha"))).toThrow('providers file: provider "p1" names protocol "anticaptcha", which is not one of twocaptcha, acedata, solverv2');
  });

  it("accepts every protocol of the launch adapters", () => {
    for (const protocol of ["twocaptcha", "acedata", "solverv2"]) expect(createRuntime(settings(protocol)).ctx.adapters[protocol]?.protocol).toBe(protocol);
  });
});
