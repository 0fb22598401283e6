import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, type InstrumentationConfig } from "../instrumentation-package.js";
import { VERSION } from "../../lib/process/version.js";
import { loadedModule } from "../loaded-module.js";
import { patchRegistration, type McpToolOptions } from "./mcp-server-patch.js";
import { isPatchedRequest, patchClientRequest } from "./mcp-client-patch.js";

/** Configuration of {@link McpInstrumentation}. */
export interface McpInstrumentationConfig extends InstrumentationConfig, McpToolOptions {}

const SUPPORTED = [">=1.10.0 <2"];
const FILES = ["dist/cjs/server/mcp.js", "dist/esm/server/mcp.js"];
const CLIENT_FILES = ["dist/cjs/client/index.js", "dist/esm/client/index.js"];
/** Resolved URLs of the SDK's server and client modules, for the ES module loader hook. */
export const MCP_ESM_PATTERNS: readonly RegExp[] = [/@modelcontextprotocol\/sdk\/dist\/esm\/server\/mcp\.js$/, /@modelcontextprotocol\/sdk\/dist\/esm\/client\/index\.js$/];

/** The shape of the SDK's `Client` class that is patched. */
export interface McpClientClass {
  prototype: {
    /** The SDK's one way to send a request (`callTool` and the others use it). */
    request?: (...a: unknown[]) => unknown;
  };
}

/** The shape of the SDK's `McpServer` class that is patched. */
export interface McpServerClass {
  prototype: {
    /** The SDK's older tool registration. */
    tool?: (...a: unknown[]) => unknown;
    /** The SDK's current tool registration. */
    registerTool?: (...a: unknown[]) => unknown;
  };
}

/**
 * Auto-instrumentation of `@modelcontextprotocol/sdk`: every tool any
 * `McpServer` registers (`tool()`, `registerTool()`, and handlers swapped in
 * by `update()`) is recorded as an agent tool task, as with
 * `agentFlowceptTask`; every `Client` carries its caller's trace context in
 * `params._meta` and records its `tools/call` requests, as with
 * `instrumentMcpClient`, so that tools served by other processes join the
 * caller's workflow. Enable it with `registerFlowcept({ instrumentations:
 * [new McpInstrumentation()] })` or `FLOWCEPT_INSTRUMENTATIONS=mcp` with
 * `--import flowcept-otel/register`, before the SDK is loaded.
 */
export class McpInstrumentation extends InstrumentationBase<McpInstrumentationConfig> {
  // `declare`: the base constructor already enables (and may patch) before field initialisers would run.
  declare private patched: Set<McpServerClass["prototype"]> | undefined;
  declare private patchedClients: Set<McpClientClass["prototype"]> | undefined;

  constructor(config: McpInstrumentationConfig = {}) {
    super("flowcept-otel/instrumentation-mcp", VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const moduleFiles = <E>(paths: readonly string[], patch: (exports: E) => E, unpatch: (exports?: E) => void) =>
      paths.map((f) => new InstrumentationNodeModuleFile(`@modelcontextprotocol/sdk/${f}`, SUPPORTED, patch, unpatch));
    const files = moduleFiles<{ McpServer?: McpServerClass }>(FILES, (e) => this.patchClass(e), (e) => this.unpatchClass(e));
    const clientFiles = moduleFiles<{ Client?: McpClientClass }>(CLIENT_FILES, (e) => this.patchClientClass(e), (e) => this.unpatchClient(e?.Client?.prototype));
    return [new InstrumentationNodeModuleDefinition("@modelcontextprotocol/sdk", SUPPORTED, undefined, undefined, [...files, ...clientFiles])];
  }

  /** Starts instrumenting: patches the library if it is loaded, and when it is loaded later. */
  override enable(): void {
    super.enable();
    // An SDK loaded (CommonJS) before this instrumentation is patched now.
    this.patchClass(loadedModule("@modelcontextprotocol/sdk/server/mcp.js") as { McpServer?: McpServerClass } | undefined);
    this.patchClientClass(loadedModule("@modelcontextprotocol/sdk/client/index.js") as { Client?: McpClientClass } | undefined);
  }

  /** Patches the `Client` class of a loaded copy of the SDK (for hosts that load it their own way). */
  patchClientClass<E extends { Client?: McpClientClass } | undefined>(exports: E): E {
    const proto = exports?.Client?.prototype;
    if (!proto || typeof proto.request !== "function" || isPatchedRequest(proto.request)) return exports;
    (this.patchedClients ??= new Set()).add(proto);
    this._wrap(proto, "request", (original) => patchClientRequest(original!));
    return exports;
  }

  /** Patches the `McpServer` class of a loaded copy of the SDK (for hosts that load it their own way). */
  patchClass<E extends { McpServer?: McpServerClass } | undefined>(exports: E): E {
    const proto = exports?.McpServer?.prototype;
    if (!proto) return exports;
    (this.patched ??= new Set()).add(proto);
    const opts = () => this.getConfig();
    for (const method of ["tool", "registerTool"] as const) {
      const fn = proto[method] as ((...a: unknown[]) => unknown) & { __wrapped?: boolean };
      if (typeof fn === "function" && !fn.__wrapped) this._wrap(proto, method, (original) => patchRegistration(original!, opts));
    }
    return exports;
  }

  /** Stops instrumenting and restores what was patched. */
  override disable(): void {
    super.disable();
    for (const proto of this.patched ?? []) this.unpatchProto(proto);
    this.patched?.clear();
    for (const proto of this.patchedClients ?? []) this.unpatchClient(proto);
    this.patchedClients?.clear();
  }

  private unpatchClient(proto: McpClientClass["prototype"] | undefined): void {
    if (proto !== undefined && (proto.request as { __wrapped?: boolean } | undefined)?.__wrapped) this._unwrap(proto, "request");
  }

  private unpatchClass(exports?: { McpServer?: McpServerClass }): void {
    const proto = exports?.McpServer?.prototype;
    if (proto) this.unpatchProto(proto);
  }

  private unpatchProto(proto: McpServerClass["prototype"]): void {
    for (const m of ["tool", "registerTool"] as const) if ((proto[m] as { __wrapped?: boolean } | undefined)?.__wrapped) this._unwrap(proto, m);
  }
}
