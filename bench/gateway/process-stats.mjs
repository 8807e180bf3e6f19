// CPU and memory of a benchmarked process, read from /proc (Linux only; NaN elsewhere).
import { readFileSync } from 'node:fs';

/** CPU time (user + system) a process used so far, in ms (clock ticks are 10 ms on Linux). */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

export function rssMb(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Math.round(Number(line.replace(/\D+/g, '')) / 1024);
  } catch {
    return NaN;
  }
}
