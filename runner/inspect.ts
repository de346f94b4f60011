// `inspect`: k6 inspect's standard form. Runs only the init context, with
// only the -e variables (k6 does not pass the shell's environment to inspect
// or archive: shared/k6-reference/README.md, "Secrets, inspect and archive"),
// and prints the script's options as indented JSON on stdout.
import { ExitCode, RunError, TestAbort } from './errors.ts';
import { failInit } from './run.ts';
import { DEFAULT_EMULATION, type Emulation } from './k6-lines.ts';
import { instantiate, loadScript } from './loader.ts';
import { log } from './log.ts';
import { Runtime } from './runtime.ts';
import { writeStream } from './summary-data.ts';
import { VU } from './vu.ts';

export interface InspectOptions {
  script: string;
  /** The -e variables: the only environment the init code sees. */
  env: Record<string, string>;
  k6?: Emulation;
}

/** The options the init context exported, as k6 inspect prints them (exit 0), or the init error (107). */
export async function inspect(o: InspectOptions): Promise<number> {
  const rt = new Runtime(Object.freeze({ ...o.env }), o.k6 ?? DEFAULT_EMULATION);
  try {
    const vu = new VU(rt, 0);
    let exported: Record<string, unknown>;
    try {
      exported = instantiate(loadScript(o.script), vu);
    } catch (e) {
      if (e instanceof RunError) {
        log('error', e.message, { hint: 'script exception' });
        return e.exitCode;
      }
      if (e instanceof TestAbort) {
        log('error', e.message, { hint: 'test aborted' });
        return ExitCode.scriptAborted;
      }
      return failInit(e, rt, o.script);
    }
    const options = exported.options ?? {};
    let json: string;
    try {
      json = JSON.stringify(options, null, 2);
    } catch (e) {
      log('error', `the exported options cannot be written as JSON: ${(e as Error).message}`, { hint: 'invalid config' });
      return ExitCode.invalidConfig;
    }
    await writeStream(process.stdout, `${json}\n`);
    return ExitCode.ok;
  } finally {
    for (const close of rt.closers) {
      try {
        await close();
      } catch {
        // closing is best effort
      }
    }
  }
}
