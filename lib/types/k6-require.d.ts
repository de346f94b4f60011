// k6's require, available in the init context of every k6 script (ES module or
// CommonJS). Only lib/k6/modules.ts calls it, with a name held in a variable:
// see lib/k6/select.ts for why no module name appears in a require literal.
declare function require(name: string): unknown;
