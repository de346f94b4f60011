// A process's memory and CPU from /proc (Linux): VmRSS, VmHWM (peak RSS) and
// user+sys CPU seconds. Undefined once the process is gone.
import { readFileSync } from 'node:fs';

export interface ProcSample { rssMb: number; hwmMb: number; cpuSeconds: number }

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function procSample(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    // /proc/<pid>/stat: fields after the ")" of the command name; utime and stime are the 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, cpuSeconds: ticks / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}
