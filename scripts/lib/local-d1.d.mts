/** Types of scripts/lib/local-d1.mjs (plain ESM shared by the dev and seed scripts). */

export const PROJECT_ROOT: string;
export const DEV_VARS_PATH: string;
export const DEMO_KEYS_PATH: string;
export const WRANGLER_JS: string;
export const D1_BINDING: string;
export const MIN_NODE_MAJOR: number;

export interface WranglerResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class WranglerError extends Error {
  constructor(message: string, result: WranglerResult);
  readonly result: WranglerResult;
}

export function assertSupportedNode(): void;
export function parseDevVars(text: string): Record<string, string>;
export function readDevVars(): Record<string, string> | null;
export function runWrangler(args: string[]): Promise<WranglerResult>;
export function localDatabaseBindings(): { control: string; shards: string[] };
export function applyLocalMigrations(): Promise<void>;
export function queryLocalD1(sql: string, binding?: string): Promise<Array<Record<string, unknown>>>;
export function executeLocalD1File(file: string, binding?: string): Promise<void>;
export function localCompanyCount(): Promise<number>;
