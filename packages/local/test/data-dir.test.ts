/**
 * The data directory's secrets: created once with owner-only permissions, the same on every
 * later start, tightened again if loosened, and DynamoDB Local access keys it accepts (letters
 * and digits) that differ between directories.
 */
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dynamoDbCredentials, lockDataDir, openDataDir, randomDynamoDbCredentials, saveDemoKey, storedAdminKey } from "../src/data-dir.ts";

const dirs: string[] = [];
const newDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "solver-router-data-"));
  dirs.push(dir);
  return dir;
};
const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("data directory", () => {
  it("creates a missing directory and DynamoDB Local's folder for its owner only", async () => {
    const dir = join(await newDir(), "nested", ".data");
    const { dynamodbDir } = await openDataDir(dir);
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(dynamodbDir)).toBe(0o700);
  });

  it("generates the admin key once, 0600, and returns the same key on every later start", async () => {
    const dir = await newDir();
    const first = await storedAdminKey(dir);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(await modeOf(join(dir, "admin-key"))).toBe(0o600);
    expect(await storedAdminKey(dir)).toBe(first);
  });

  it("tightens a secret file whose permissions were loosened, keeping its value", async () => {
    const dir = await newDir();
    const credentials = await dynamoDbCredentials(dir);
    const file = join(dir, "dynamodb-credentials.json");
    await chmod(file, 0o644);
    expect(await dynamoDbCredentials(dir)).toEqual(credentials);
    expect(await modeOf(file)).toBe(0o600);
  });

  it("keeps one DynamoDB Local access key per directory: letters and digits, different between directories", async () => {
    const [a, b] = [await newDir(), await newDir()];
    const keyA = await dynamoDbCredentials(a);
    expect(keyA.accessKeyId).toMatch(/^[A-Za-z0-9]{20,}$/);
    expect(keyA.secretAccessKey).toMatch(/^[A-Za-z0-9]{20,}$/);
    expect(await dynamoDbCredentials(a)).toEqual(keyA);
    expect((await dynamoDbCredentials(b)).accessKeyId).not.toBe(keyA.accessKeyId);
    expect(randomDynamoDbCredentials().accessKeyId).not.toBe(randomDynamoDbCredentials().accessKeyId);
  });

  it("replaces an empty secret file instead of using an empty key", async () => {
    const dir = await newDir();
    await writeFile(join(dir, "admin-key"), "\n");
    expect(await storedAdminKey(dir)).toMatch(/^[0-9a-f]{32}$/);
  });

  it("writes the demo key 0600", async () => {
    const dir = await newDir();
    await saveDemoKey(dir, "0123456789abcdef0123456789abcdef");
    expect((await readFile(join(dir, "demo-key"), "utf8")).trim()).toBe("0123456789abcdef0123456789abcdef");
    expect(await modeOf(join(dir, "demo-key"))).toBe(0o600);
  });
});

describe("data directory lock", () => {
  it("lets one stack at a time use a directory, and takes over a lock whose process is gone", async () => {
    const dir = await newDir();
    const release = await lockDataDir(dir);
    await expect(lockDataDir(dir)).resolves.toBeTypeOf("function"); // the same process may take it again
    await writeFile(join(dir, "stack.pid"), String(process.ppid)); // a live process (vitest's parent)
    await expect(lockDataDir(dir)).rejects.toThrow(/in use by another local stack/);
    await writeFile(join(dir, "stack.pid"), "2147483646"); // no such process
    const takenOver = await lockDataDir(dir);
    expect((await readFile(join(dir, "stack.pid"), "utf8")).trim()).toBe(String(process.pid));
    await takenOver();
    await release();
    await expect(stat(join(dir, "stack.pid"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
