/**
 * How the Bun/Deno fixtures (bundled by esbuild, run in the real runtime) serve a Web handler:
 * `Bun.serve` or `Deno.serve` on 127.0.0.1 and a free port, printed as `{"port":N}` once
 * listening (what `startPortServer` in server-target.ts waits for). Web APIs only.
 */
type Serve = (options: object, handler?: unknown) => { port: number };

/** The runtime's globals: exactly one is defined. */
export const { Bun, Deno } = globalThis as unknown as {
  Bun?: { serve: Serve; env: Record<string, string | undefined> };
  Deno?: { serve: Serve; env: { get(name: string): string | undefined } };
};

/**
 * Serves `handler` as it is: the runtime's second argument (Bun's server, Deno's info) reaches
 * it too.
 */
export function serveOnFreePort(handler: (request: Request) => Response | Promise<Response>) {
  const listening = (port: number) => console.log(JSON.stringify({ port }));
  if (Deno) {
    Deno.serve(
      { hostname: '127.0.0.1', port: 0, onListen: (a: { port: number }) => listening(a.port) },
      handler,
    );
  } else {
    listening(Bun!.serve({ hostname: '127.0.0.1', port: 0, fetch: handler }).port);
  }
}
