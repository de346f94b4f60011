// k6's summary jslib, imported from its URL; `K6_SUMMARY=local` builds swap in lib/summary/text.ts.
declare module 'https://jslib.k6.io/k6-summary/0.1.0/index.js' {
  export function textSummary(data: unknown, options?: { indent?: string; enableColors?: boolean }): string;
  export function jUnit(data: unknown, options?: { name?: string }): string;
}
