export interface PatchOptions {
  /** `true` (default): https://; `false`: plain http:// (port-forward, local runs). */
  https?: boolean
  /** Host (optionally `host:port`) for the API URL; defaults to E2B_DOMAIN at call time. */
  domain?: string
}
/** Rewrite the E2B SDK URLs to the OpenKruise Agents private protocol. Idempotent. */
export declare function patchE2b(options?: PatchOptions): void
/** Patch explicitly given SDK module objects (a second copy of e2b, a bundler's build). */
export declare function patchModules(modules: { e2b: object; codeInterpreter?: object | null }, options?: PatchOptions): void
/** Restore the SDK (mainly for tests). */
export declare function unpatchE2b(): void
export declare function isPatched(): boolean
export declare function privateApiUrl(domain: string, https?: boolean): string
export declare function privateSandboxUrl(domain: string, sandboxId: string, port: number, https?: boolean): string
export declare const ENVD_PORT: 49983
export declare const JUPYTER_PORT: 49999
