// Run-wide state shared by every VU of one test run: the metrics registry,
// the group/check tree, execution counters, and the abort switch.
import { createHash } from 'node:crypto';
import { ExitCode, type ExitCodeValue } from './errors.ts';
import { DEFAULT_EMULATION, type Emulation } from './k6-lines.ts';
import { log } from './log.ts';
import { Registry, defineBuiltins } from './metrics.ts';
import type { LocalIpPool } from './local-ips.ts';
import { SecretStore } from './secrets.ts';
import type { Threshold } from './thresholds.ts';

export interface CheckNode {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

export interface GroupNode {
  name: string;
  path: string;
  id: string;
  groups: GroupNode[];
  checks: CheckNode[];
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** k6's group tree: ids are the md5 of the path ("::a::b"), the root's path is "". */
export class GroupTree {
  readonly root: GroupNode = { name: '', path: '', id: md5(''), groups: [], checks: [] };
  private readonly byPath = new Map<string, GroupNode>([['', this.root]]);
  private readonly checksByPath = new Map<string, CheckNode>();

  group(parentPath: string, name: string): GroupNode {
    const path = `${parentPath}::${name}`;
    let g = this.byPath.get(path);
    if (g === undefined) {
      g = { name, path, id: md5(path), groups: [], checks: [] };
      this.byPath.get(parentPath)!.groups.push(g);
      this.byPath.set(path, g);
    }
    return g;
  }

  check(groupPath: string, name: string): CheckNode {
    const path = `${groupPath}::${name}`;
    let c = this.checksByPath.get(path);
    if (c === undefined) {
      c = { name, path, id: md5(path), passes: 0, fails: 0 };
      this.byPath.get(groupPath)!.checks.push(c);
      this.checksByPath.set(path, c);
    }
    return c;
  }
}

export interface AbortState {
  code: ExitCodeValue;
  message: string;
}

export class Runtime {
  readonly registry = new Registry();
  readonly groups = new GroupTree();
  thresholds: Threshold[] = [];
  options: Record<string, unknown> = {};
  /** What setup() returned, as JSON; k6 hands it to handleSummary as data.setup_data. */
  setupData: string | undefined = undefined;
  /** Tags from options.tags, applied to every sample. */
  globalTags: Record<string, string> = {};
  startedAt = 0;
  vusInitialized = 0;
  vusActive = 0;
  iterationsCompleted = 0;
  iterationsInterrupted = 0;
  aborted: AbortState | null = null;
  private abortListeners: (() => void)[] = [];
  /** --local-ips / K6_LOCAL_IPS: the VUs' source addresses, or undefined. */
  localIps: LocalIpPool | undefined = undefined;
  /** Things to close when the run ends (redis clients, agents, workers). */
  readonly closers = new Set<() => void | Promise<void>>();

  /** Warnings k6 prints once per run (a deprecated module name), already printed. */
  private readonly warned = new Set<string>();

  constructor(
    readonly env: Readonly<Record<string, string>>,
    /** The k6 release line and extensions the runner acts as (QUEUE_RUNNER_K6_VERSION, QUEUE_RUNNER_EXTENSIONS). */
    readonly emulation: Emulation = DEFAULT_EMULATION,
    /** --secret-source values, for k6/secrets. */
    readonly secrets: SecretStore = SecretStore.empty(),
  ) {
    defineBuiltins(this.registry);
  }

  warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    log('warn', message);
  }

  elapsedMs(): number {
    return this.startedAt === 0 ? 0 : performance.now() - this.startedAt;
  }

  abort(code: ExitCodeValue, message: string): void {
    if (this.aborted !== null) return;
    this.aborted = { code, message };
    const ls = this.abortListeners;
    this.abortListeners = [];
    for (const l of ls) l();
  }

  /** Resolves when the test is aborted (never, otherwise). */
  onAbort(fn: () => void): () => void {
    if (this.aborted !== null) {
      fn();
      return () => undefined;
    }
    this.abortListeners.push(fn);
    return () => {
      this.abortListeners = this.abortListeners.filter((l) => l !== fn);
    };
  }

  abortedByScript(): boolean {
    return this.aborted?.code === ExitCode.scriptAborted;
  }
}
