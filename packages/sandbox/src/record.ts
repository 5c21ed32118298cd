/**
 * What the sandboxes keep of a request: enough for a test to tell images apart, not the
 * megabytes of base64 themselves (the local stack records requests for hours).
 */
import { isRecord } from "./json.ts";

/** The first `keep` characters and the length, e.g. `iVBORw0KGgoAAAANSUhEUgAA…(96 chars)`. */
export function shorten(text: string, keep = 24): string {
  return text.length > keep ? `${text.slice(0, keep)}…(${text.length} chars)` : text;
}

/** A JSON body with each image in its `field` list shortened; any other body as it is. */
export function shortenImages(body: unknown, field: string): unknown {
  if (!isRecord(body)) return body;
  const images = body[field];
  if (!Array.isArray(images)) return body;
  return { ...body, [field]: images.map((image: unknown) => (typeof image === "string" ? shorten(image) : image)) };
}
