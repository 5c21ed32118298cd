import { describe, expect, it } from "vitest";
import { fetchText, MAX_UPSTREAM_BYTES, type FetchFn } from "../src/http/upstream-client.ts";

/** A fetch answering a body streamed in 64 KiB chunks; counts how many chunks were pulled. */
function streamingFetch(totalBytes: number, headers: Record<string, string> = {}) {
  let pulled = 0;
  const chunk = new Uint8Array(64 * 1024).fill(65);
  const fn: FetchFn = async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled * chunk.byteLength >= totalBytes) return controller.close();
          pulled++;
          controller.enqueue(chunk);
        },
      }),
      { status: 200, headers },
    );
  return { fn, pulled: () => pulled };
}

describe("upstream answers are read with a byte cap", () => {
  it("reads an answer within the cap whole", async () => {
    const { fn } = streamingFetch(128 * 1024);
    const result = await fetchText(fn, "http://upstream.test/res.php", {}, 5_000, "The provider");
    expect(result.ok && result.answer.text.length).toBe(128 * 1024);
  });

  it("stops reading an endless answer just past the cap: a retryable RESPONSE_TOO_LARGE, never the whole body", async () => {
    const { fn, pulled } = streamingFetch(64 * 1024 * 1024);
    const result = await fetchText(fn, "http://upstream.test/res.php", {}, 5_000, "The provider");
    expect(result).toEqual({
      ok: false,
      error: { fault: "retry", code: "RESPONSE_TOO_LARGE", message: `The provider answered more than ${MAX_UPSTREAM_BYTES} bytes.`, waitSeconds: 5 },
    });
    expect(pulled() * 64 * 1024).toBeLessThanOrEqual(MAX_UPSTREAM_BYTES + 3 * 64 * 1024);
  });

  it("refuses an answer that announces a Content-Length over the cap without reading it", async () => {
    const { fn, pulled } = streamingFetch(8 * 1024 * 1024, { "content-length": String(8 * 1024 * 1024) });
    const result = await fetchText(fn, "http://upstream.test/res.php", {}, 5_000, "The provider");
    expect(result.ok).toBe(false);
    expect(pulled()).toBeLessThanOrEqual(2);
  });
});
