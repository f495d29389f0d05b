/**
 * Runs a TypeScript bench helper in a fresh Node process (same Node, tsx loader) and returns the
 * JSON it reports. Fresh processes give honest cold-start times and honest peak memory (the
 * child's own maximum resident set size), untouched by what the parent allocated before.
 */
import { spawn } from "node:child_process";

/** Prefix of the one stdout line that carries a child's JSON result. */
export const RESULT_PREFIX = "BENCH_RESULT ";

/** Prints a child's result for `runChild` (call it once, at the end of the child). */
export function reportToParent(result: unknown): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/**
 * Runs `node [nodeFlags] --import tsx <script> [args]` and resolves with the JSON of its
 * `reportToParent` line. The child's stderr (progress) is passed through; other stdout is dropped.
 * @throws Error when the child fails or reports nothing.
 */
export function runChild<T>(script: string, args: readonly string[], nodeFlags: readonly string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", script, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line) {
        reject(new Error(`${script} ${args.join(" ")} failed (exit ${code ?? signal}) without a result`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
    });
  });
}
