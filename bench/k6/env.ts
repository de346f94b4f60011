// __ENV for the bench's k6 scripts. They are type-checked on the Node side
// (tsconfig.node.json covers bench/), where k6's globals are not declared.
declare const __ENV: Record<string, string | undefined>;

export function envStr(name: string, fallback?: string): string {
  const v = __ENV[name];
  if (v !== undefined && v !== '') return v;
  if (fallback !== undefined) return fallback;
  throw new Error(`invalid ${name}; reason: expected a value (the bench sets it), got nothing`);
}

export function envInt(name: string, fallback?: number): number {
  const raw = envStr(name, fallback === undefined ? undefined : String(fallback));
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`invalid ${name}; reason: expected a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}
