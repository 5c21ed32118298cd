/** Starting and stopping a sandbox's HTTP server, the same for every sandbox upstream. */
import type { Server } from "node:http";
import { serve } from "@hono/node-server";

export interface ServedSandbox {
  /** The port it listens on (the free one picked when 0 was asked for). */
  port: number;
  /** Stops it; calling again returns the same promise. */
  close(): Promise<void>;
}

/** Listens on `hostname:port` (0 picks a free port) and resolves once the server listens. */
export function serveSandbox(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string): Promise<ServedSandbox> {
  return new Promise((resolve, reject) => {
    // overrideGlobalObjects: false keeps Node's own Request/Response for the rest of the process.
    // No createServer option, so this is a node:http Server.
    const server = serve({ fetch, port, hostname, overrideGlobalObjects: false }, (info) => {
      let closed: Promise<void> | undefined;
      resolve({
        port: info.port,
        close() {
          closed ??= new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive connections from fetch would hold close() open.
            server.closeAllConnections();
          });
          return closed;
        },
      });
    }) as Server;
    server.once("error", reject);
  });
}
