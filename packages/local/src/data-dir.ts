/**
 * The local stack's data directory (`.data/` by default): DynamoDB Local's database files and the
 * secrets that must outlive a restart — the DynamoDB Local access key, the admin key and the demo
 * team's key. The directory is private to its owner (0700) and each secret file is 0600.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateApiKey } from "@solver-router/core";

export const ADMIN_KEY_FILE = "admin-key";
export const DEMO_KEY_FILE = "demo-key";
const DYNAMODB_CREDENTIALS_FILE = "dynamodb-credentials.json";
const LOCK_FILE = "stack.pid";
/** DynamoDB Local's database files (one per access key and region) live here. */
const DYNAMODB_DIR = "dynamodb";

export interface DynamoDbCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Creates the directory, when missing, readable by its owner only. DynamoDB Local's subdirectory
 * is made private even in a directory that already existed (ROUTER_DATA_DIR may name one whose
 * permissions are not ours to change); the secret files are 0600 wherever they are.
 */
export async function openDataDir(dir: string): Promise<{ dir: string; dynamodbDir: string }> {
  const dynamodbDir = join(dir, DYNAMODB_DIR);
  await mkdir(dynamodbDir, { recursive: true, mode: 0o700 });
  await chmod(dynamodbDir, 0o700);
  return { dir, dynamodbDir };
}

/**
 * One stack per data directory: two DynamoDB Locals on the same files, and two worker loops on
 * the same tasks, would each think they own them. The lock names the process holding it; a lock
 * left by a process that no longer runs is taken over. Returns the release.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, LOCK_FILE);
  for (;;) {
    try {
      await writeFile(file, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number((await readFile(file, "utf8").catch(() => "")).trim());
    if (holder && holder !== process.pid && isRunning(holder)) {
      throw new Error(`The data directory ${dir} is in use by another local stack (process ${holder}); stop it first or set ROUTER_DATA_DIR.`);
    }
    await rm(file, { force: true }); // stale: its process is gone
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * DynamoDB Local keeps one database per access key and region, and answers on every network
 * interface: a random access key makes the router's tables invisible to any client that does not
 * hold it (the well-known `local`/`fake` keys see an empty database of their own). DynamoDB Local
 * accepts letters and digits only in an access key.
 */
export function randomDynamoDbCredentials(): DynamoDbCredentials {
  const alphanumeric = (bytes: number) => randomBytes(bytes).toString("base64").replace(/[^A-Za-z0-9]/g, "");
  return { accessKeyId: `router${alphanumeric(30)}`.slice(0, 32), secretAccessKey: alphanumeric(30) };
}

export async function dynamoDbCredentials(dir: string): Promise<DynamoDbCredentials> {
  const text = await readOrCreateSecret(join(dir, DYNAMODB_CREDENTIALS_FILE), () => JSON.stringify(randomDynamoDbCredentials()));
  return JSON.parse(text) as DynamoDbCredentials;
}

/** The admin key: generated on the first start and kept, so it survives restarts. */
export async function storedAdminKey(dir: string): Promise<string> {
  return readOrCreateSecret(join(dir, ADMIN_KEY_FILE), generateApiKey);
}

/** The demo team's key, shown once by the API like any team key: kept so that later starts can point to it. */
export async function saveDemoKey(dir: string, apiKey: string): Promise<void> {
  await writeSecret(join(dir, DEMO_KEY_FILE), apiKey);
}

async function readOrCreateSecret(file: string, create: () => string): Promise<string> {
  try {
    const text = (await readFile(file, "utf8")).trim();
    if (text) {
      await chmod(file, 0o600); // tighten a copy restored with looser permissions
      return text;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const value = create();
  await writeSecret(file, value);
  return value;
}

async function writeSecret(file: string, value: string): Promise<void> {
  await writeFile(file, value + "\n", { mode: 0o600 });
  await chmod(file, 0o600); // writeFile's mode applies only when it creates the file
}
