/**
 * The machine a benchmark ran on, recorded next to every result: absolute numbers mean little
 * without it (ratios taken in the same run are what the targets compare).
 */
import { readFileSync } from "node:fs";
import os from "node:os";

/** Description of the host and runtime. */
export interface MachineInfo {
  /** CPU model name from /proc/cpuinfo (falls back to Node's view of the CPU). */
  cpu: string;
  /** Logical cores this process may use. */
  cores: number;
  /** Total memory in GiB. */
  memoryGiB: number;
  node: string;
  v8: string;
  os: string;
  /**
   * 1-minute load average when the benchmark started: above the core count, other processes
   * competed for the CPU and absolute times (and tail latencies above all) read high.
   */
  loadAverage: number;
  /** ISO time the benchmark started. */
  date: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    const model = line?.split(":")[1]?.trim();
    if (model) return model;
  } catch {
    // not Linux: use what Node reports
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/** Describes this machine and runtime now. */
export function describeMachine(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
    date: new Date().toISOString(),
  };
}

/** One line for the printed header, e.g. "AMD EPYC · 2 cores · 23.4 GiB RAM · Node v24.21.0 (V8 …) · Linux … x64 · load 0.4 · 2026-…". */
export function machineLine(machine: MachineInfo): string {
  return [
    machine.cpu,
    `${machine.cores} cores`,
    `${machine.memoryGiB} GiB RAM`,
    `Node ${machine.node} (V8 ${machine.v8})`,
    machine.os,
    `load ${machine.loadAverage}`,
    machine.date,
  ].join(" · ");
}
