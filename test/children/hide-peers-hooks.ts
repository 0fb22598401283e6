/** Module hooks that make the optional peer libraries look uninstalled (the pattern comes from hide-peers.ts). */
let HIDDEN = /^$/;

export function initialize(data: { source: string }): void {
  HIDDEN = new RegExp(data.source);
}

export async function resolve(specifier: string, context: unknown, next: (s: string, c: unknown) => Promise<unknown>): Promise<unknown> {
  if (HIDDEN.test(specifier)) {
    const err = new Error(`Cannot find package '${specifier}'`) as Error & { code: string };
    err.code = "ERR_MODULE_NOT_FOUND";
    throw err;
  }
  return next(specifier, context);
}
