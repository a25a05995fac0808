#!/usr/bin/env node
// Differential test: random JsonLogic rules through the reference implementations and through
// `divert jsonlogic eval`, compared result by result.
//
//   node random_rules.js --divert build/divert --peers build/peers/node_modules
//        [--dialect javascript|specification|both] [--count 2000] [--seed 1] [--show 20]
//        [--min-typed 100] [--min-coercion 99] [--engine-mode interpreted|optimized|shared|built]
//        [--no-optimized] [--dump DIFFS.jsonl] [--emit CASES.jsonl]
//
// Two families of rules, generated from a seeded PRNG (the same seed gives the same rules):
//   typed     well-typed rules: numbers with arithmetic and comparisons, strings with cat, substr
//             and in, booleans with and/or/if/!, arrays with map/filter/reduce/all/some/none,
//             merge and in, var/missing/missing_some over generated data;
//   coercion  rules that lean on JavaScript's coercions: numeric strings against numbers, null
//             and booleans in arithmetic and comparisons, arrays and objects in comparisons and
//             cat, == against ===, the truthiness of "0", [] and {}, substr with odd arguments,
//             min/max with strings, in on strings, var paths through arrays and strings.
// The javascript dialect is compared with json-logic-js 2.0.5, the specification dialect with
// json-logic-engine 5.0.7 as its operators are defined: `run` with disableInterpretedOptimization
// (--engine-mode interpreted, the default; the targets apply to it). The engine's default `run`
// optimises rules first and then departs from those definitions in a few places
// (docs/jsonlogic.md); its agreement is printed too, for information (--no-optimized: not).
// Other modes: optimized (a fresh engine per rule), shared (one engine for all rules), built
// (LogicEngine.build).
// Results compare as JSON.stringify would print them (undefined and NaN as null, object keys in
// any order); an error agrees with an error (for the specification dialect, a JsonLogic error type
// that differs is reported separately).
'use strict';

const { spawnSync } = require('child_process');
const path = require('path');

// ---- options ---------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = {
    divert: 'build/divert', peers: null, dialect: 'both', count: 2000, seed: 1, show: 20,
    minTyped: 100, minCoercion: 99, engineMode: 'interpreted', dump: null, emit: null, alsoOptimized: true,
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i], next = () => argv[++i];
    if (a === '--divert') o.divert = next();
    else if (a === '--peers') o.peers = next();
    else if (a === '--dialect') o.dialect = next();
    else if (a === '--count') o.count = +next();
    else if (a === '--seed') o.seed = +next();
    else if (a === '--show') o.show = +next();
    else if (a === '--min-typed') o.minTyped = +next();
    else if (a === '--min-coercion') o.minCoercion = +next();
    else if (a === '--engine-mode') o.engineMode = next();
    else if (a === '--dump') o.dump = next();
    else if (a === '--emit') o.emit = next();
    else if (a === '--no-optimized') o.alsoOptimized = false;
    else if (a === '--help' || a === '-h') {
      console.log(require('fs').readFileSync(__filename, 'utf8').split('\n').slice(1, 28).join('\n'));
      process.exit(0);
    } else {
      console.error(`random_rules.js: unknown option ${a}`);
      process.exit(2);
    }
  }
  return o;
}

function requirePeer(peers, name) {
  const tries = peers ? [path.resolve(peers, name), name] : [name];
  for (const t of tries) {
    try { return require(t); } catch (e) { /* next */ }
  }
  console.error(`random_rules.js: cannot load ${name} (install it: npm install --prefix DIR ${name}; pass --peers DIR/node_modules)`);
  process.exit(2);
}

// ---- a seeded PRNG (mulberry32) --------------------------------------------------------------

function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
    weighted: (pairs) => {  // [[weight, value], ...]
      let total = 0;
      for (const [w] of pairs) total += w;
      let x = next() * total;
      for (const [w, v] of pairs) { if ((x -= w) < 0) return v; }
      return pairs[pairs.length - 1][1];
    },
  };
  return r;
}

// ---- the well-typed family -------------------------------------------------------------------

const WORDS = ['apple', 'banana', 'cherry', 'Apple', 'date', 'fig', 'grape', 'kiwi', 'lemon', 'mango', ''];

function typedData(r) {
  const int = () => r.int(-5, 20);
  const arr = (lo) => Array.from({ length: r.int(lo, 5) }, int);
  return {
    n: int(), m: int(), f: r.pick([0.5, 1.25, 2.5, -3.75, 10.1]), k: r.int(1, 9),
    s: r.pick(WORDS.slice(0, -1)), t: r.pick(WORDS),
    b: r.chance(0.5), c: r.chance(0.5),
    arr: arr(1), arr2: arr(0),
    strs: Array.from({ length: r.int(1, 4) }, () => r.pick(WORDS.slice(0, -1))),
    objs: Array.from({ length: r.int(0, 4) }, () => ({ a: int(), s: r.pick(WORDS), flag: r.chance(0.5) })),
    o: { a: int(), s: r.pick(WORDS), b: { c: int() } },
  };
}

// What variables read where: the root data, an item of `arr`, an item of `objs`, a reduce step.
const ROOT = {
  nums: ['n', 'm', 'f', 'k', 'o.a', 'o.b.c', 'arr.0'], strs: ['s', 't', 'o.s', 'strs.0'], bools: ['b', 'c'],
  numArrs: ['arr', 'arr2'], strArrs: ['strs'], objArrs: ['objs'], nonZero: ['k'],
};
const NUM_ITEM = { nums: [''], strs: [], bools: [], numArrs: [], strArrs: [], objArrs: [], nonZero: [], item: true };
const OBJ_ITEM = { nums: ['a'], strs: ['s'], bools: ['flag'], numArrs: [], strArrs: [], objArrs: [], nonZero: [], item: true };
const REDUCE = { nums: ['current', 'accumulator'], strs: [], bools: [], numArrs: [], strArrs: [], objArrs: [], nonZero: [], item: true };

class TypedGen {
  constructor(r, dialect) { this.r = r; this.spec = dialect === 'specification'; }

  variable(name) {
    // The specification dialect also reads data with val (keys as an array, no dots).
    if (this.spec && this.r.chance(0.4)) return name === '' ? { val: [] } : { val: name.split('.').map((k) => /^\d+$/.test(k) ? +k : k) };
    return { var: name };
  }

  num(d, ctx) {
    const r = this.r;
    const leaf = () => (ctx.nums.length && r.chance(0.6)) ? this.variable(r.pick(ctx.nums)) : r.pick([0, 1, 2, 3, 5, 7, 10, -1, -4, 2.5, 0.25]);
    if (d <= 0) return leaf();
    const kids = (lo, hi) => Array.from({ length: r.int(lo, hi) }, () => this.num(d - 1, ctx));
    const nonZero = () => (ctx.nonZero.length && r.chance(0.5)) ? this.variable(r.pick(ctx.nonZero)) : r.pick([1, 2, 3, 4, -2, 0.5]);
    return r.weighted([
      [3, () => leaf()],
      [3, () => ({ '+': kids(2, 4) })],
      [2, () => ({ '-': kids(1, 2) })],
      [2, () => ({ '*': kids(2, 3) })],
      [1, () => ({ '/': [this.num(d - 1, ctx), nonZero()] })],
      [1, () => ({ '%': [this.num(d - 1, ctx), nonZero()] })],
      [2, () => ({ [r.pick(['min', 'max'])]: kids(1, 4) })],
      [2, () => ({ if: [this.bool(d - 1, ctx), this.num(d - 1, ctx), this.num(d - 1, ctx)] })],
      [1, () => ctx.numArrs.length ? { reduce: [this.variable(r.pick(ctx.numArrs)), { '+': [{ var: 'current' }, { var: 'accumulator' }] }, this.num(0, ctx)] } : leaf()],
      [1, () => ctx.numArrs.length ? { reduce: [this.numArray(d - 1, ctx), this.num(d - 1, REDUCE), r.int(0, 3)] } : leaf()],
      [1, () => ctx.item ? leaf() : { var: [r.pick(['nothing', 'o.zz', 'missing.deep']), this.num(0, ctx)] }],
      [this.spec ? 1 : 0, () => ({ length: [r.chance(0.5) ? this.str(d - 1, ctx) : this.anyArray(d - 1, ctx)] })],
      [this.spec ? 1 : 0, () => ({ '??': [this.variable(r.pick(['nothing', 'o.zz'])), this.num(d - 1, ctx)] })],
      [this.spec ? 1 : 0, () => ({ try: [{ throw: r.pick(['oops', 'bad']) }, this.num(d - 1, ctx)] })],
    ])();
  }

  str(d, ctx) {
    const r = this.r;
    const leaf = () => (ctx.strs.length && r.chance(0.6)) ? this.variable(r.pick(ctx.strs)) : r.pick(WORDS);
    if (d <= 0) return leaf();
    return r.weighted([
      [3, () => leaf()],
      [3, () => ({ cat: Array.from({ length: r.int(1, 3) }, () => r.chance(0.7) ? this.str(d - 1, ctx) : this.num(0, ctx)) })],
      [2, () => ({ substr: r.chance(0.5) ? [this.str(d - 1, ctx), r.int(-6, 6)] : [this.str(d - 1, ctx), r.int(-6, 6), r.int(-6, 6)] })],
      [2, () => ({ if: [this.bool(d - 1, ctx), this.str(d - 1, ctx), this.str(d - 1, ctx)] })],
      [1, () => ctx.item ? leaf() : { var: ['nothing', this.str(0, ctx)] }],
      [1, () => ctx.strArrs.length ? { reduce: [this.variable('strs'), { cat: [{ var: 'accumulator' }, { var: 'current' }] }, ''] } : leaf()],
    ])();
  }

  bool(d, ctx) {
    const r = this.r;
    const leaf = () => (ctx.bools.length && r.chance(0.6)) ? this.variable(r.pick(ctx.bools)) : r.pick([true, false]);
    if (d <= 0) return leaf();
    const cmp = r.pick(['<', '<=', '>', '>=', '==', '===', '!=', '!==']);
    return r.weighted([
      [2, () => leaf()],
      [4, () => ({ [cmp]: [this.num(d - 1, ctx), this.num(d - 1, ctx)] })],
      [1, () => ({ [r.pick(['<', '<='])]: [this.num(0, ctx), this.num(d - 1, ctx), this.num(0, ctx)] })],
      [2, () => ({ [r.pick(['==', '===', '!=', '!=='])]: [this.str(d - 1, ctx), this.str(d - 1, ctx)] })],
      [1, () => ({ [r.pick(['<', '>', '<=', '>='])]: [this.str(d - 1, ctx), this.str(d - 1, ctx)] })],
      [2, () => ({ [r.pick(['and', 'or'])]: Array.from({ length: r.int(1, 3) }, () => this.bool(d - 1, ctx)) })],
      [2, () => ({ '!': [this.bool(d - 1, ctx)] })],
      [1, () => ({ '!!': [this.bool(d - 1, ctx)] })],
      [1, () => ({ if: [this.bool(d - 1, ctx), this.bool(d - 1, ctx), this.bool(d - 1, ctx)] })],
      [2, () => ({ in: [this.str(d - 1, ctx), r.chance(0.5) ? WORDS.slice(0, r.int(2, 6)) : (ctx.strArrs.length ? this.variable('strs') : ['apple', 'kiwi'])] })],
      [1, () => ({ in: [r.pick(['an', 'pp', 'e', 'x', 'App']), this.str(d - 1, ctx)] })],
      [2, () => this.quantifier(d, ctx)],
      [1, () => ctx.item ? leaf() : { '!': { missing: this.keys() } }],
      [1, () => ctx.item ? leaf() : { '!': { missing_some: [r.int(1, 2), this.keys()] } }],
      [this.spec ? 1 : 0, () => ctx.item ? leaf() : { exists: r.pick(['n', 's', 'nothing', ['o', 'a'], ['o', 'zz'], ['o', 'b', 'c']]) }],
    ])();
  }

  keys() {
    return Array.from({ length: this.r.int(1, 3) }, () => this.r.pick(['n', 's', 'b', 'nothing', 'o.a', 'o.zz', 'o.b.c', 'arr.0', 'arr2.3']));
  }

  quantifier(d, ctx) {
    const r = this.r, q = r.pick(['all', 'some', 'none']);
    if (ctx.objArrs.length && r.chance(0.4)) return { [q]: [this.variable('objs'), this.bool(d - 1, OBJ_ITEM)] };
    if (ctx.numArrs.length) return { [q]: [this.numArray(d - 1, ctx), this.bool(d - 1, NUM_ITEM)] };
    return r.pick([true, false]);
  }

  numArray(d, ctx) {
    const r = this.r;
    const leaf = () => ctx.numArrs.length ? this.variable(r.pick(ctx.numArrs)) : [1, 2, 3];
    if (d <= 0) return leaf();
    return r.weighted([
      [3, () => leaf()],
      [1, () => Array.from({ length: r.int(0, 3) }, () => this.num(d - 1, ctx))],
      [2, () => ({ map: [this.numArray(d - 1, ctx), this.num(d - 1, NUM_ITEM)] })],
      [2, () => ({ filter: [this.numArray(d - 1, ctx), this.bool(d - 1, NUM_ITEM)] })],
      [1, () => ({ merge: [this.numArray(d - 1, ctx), this.numArray(d - 1, ctx)] })],
      [1, () => ctx.objArrs.length ? { map: [this.variable('objs'), this.num(d - 1, OBJ_ITEM)] } : leaf()],
      [this.spec ? 1 : 0, () => ctx.item || !ctx.numArrs.length ? leaf() : { map: [this.variable('arr'), { '+': [{ val: [] }, { val: [[2], 'n'] }] }] }],
      [this.spec ? 1 : 0, () => ctx.item || !ctx.numArrs.length ? leaf() : { map: [this.variable('arr'), { '*': [{ val: [] }, { val: [[1], 'index'] }] }] }],
    ])();
  }

  anyArray(d, ctx) {
    const r = this.r;
    return r.weighted([
      [3, () => this.numArray(d, ctx)],
      [1, () => ctx.strArrs.length ? this.variable('strs') : ['a']],
      [1, () => ctx.item ? [] : { missing: this.keys() }],
      [1, () => ({ filter: [ctx.objArrs.length ? this.variable('objs') : [], this.bool(d - 1, OBJ_ITEM)] })],
    ])();
  }

  rule() {
    const d = this.r.int(1, 4);
    const kind = this.r.pick(['num', 'num', 'bool', 'bool', 'bool', 'str', 'arr']);
    if (kind === 'num') return this.num(d, ROOT);
    if (kind === 'bool') return this.bool(d, ROOT);
    if (kind === 'str') return this.str(d, ROOT);
    return this.anyArray(d, ROOT);
  }

  data() { return typedData(this.r); }
}

// ---- the coercion family ---------------------------------------------------------------------

const ODD = [
  0, 1, 2, -1, 0.5, 10, '0', '1', '2', '01', '1.5', '-1', '', ' ', ' 2 ', 'abc', 'a', 'B', '1e3', '0x10',
  'Infinity', 'true', 'null', null, true, false, [], [0], [1], [2], ['1'], [1, 2], ['a'], [null], [[]], [[1]], {},
  '10', '9', 'ab', 'apple',
  // number and string forms that JavaScript's conversions treat specially
  0.1, 1e21, 1e-7, -0.5, 123456789.125, 3, '0b101', '0o17', ' \t12\n', '.5', '5.', '+3', '-0', '1e-7',
  '\u00a05', 'é', '😀x', '1,2', 'NaN', '-Infinity', '1 2', '0.0', '00', '1e+3', '0xZ',
];
// Objects with members are data only: in a rule, {"a": 1} is a call of the operator "a".
const ODD_DATA = [...ODD, { a: 1 }, { a: '1', b: [] }];

class CoercionGen {
  constructor(r, dialect) { this.r = r; this.spec = dialect === 'specification'; }

  odd(pool = ODD) {
    const v = this.r.pick(pool);
    return (v && typeof v === 'object') ? JSON.parse(JSON.stringify(v)) : v;
  }

  data() {
    const r = this.r;
    const d = {};
    for (const k of ['a', 'b', 'c', 'd', 'e']) if (r.chance(0.85)) d[k] = this.odd(ODD_DATA);
    d.s = r.pick(['hello', '', '0', '12', 'a.b', 'x y']);
    d.arr = Array.from({ length: r.int(0, 4) }, () => this.odd(ODD_DATA));
    d.nums = Array.from({ length: r.int(0, 4) }, () => r.pick([0, 1, 2, 3, '1', '2', null, true, -1]));
    d.o = r.chance(0.8) ? { x: this.odd(ODD_DATA), y: { z: this.odd(ODD_DATA) }, s: r.pick(['str', '', '7']), arr: [this.odd(ODD_DATA), this.odd()] } : r.pick([null, 'o', 0, []]);
    if (r.chance(0.1)) d.n = null;
    return d;
  }

  path() {
    const r = this.r;
    return r.pick([
      'a', 'b', 'c', 'd', 'e', 's', 'arr', 'nums', 'o', 'o.x', 'o.y.z', 'o.s', 'o.arr', 'o.arr.0', 'o.arr.1',
      'arr.0', 'arr.1', 'arr.length', 's.0', 's.1', 's.length', 'o.s.0', 'o.s.length', 'a.0', 'a.length', 'nums.2',
      'n', 'n.q', 'zz', 'o.zz', 'o.y', '', 1, 0, 'a.b.c', 'arr.0.0',
    ]);
  }

  variable() {
    const r = this.r, p = this.path();
    if (this.spec && r.chance(0.3)) return { val: p === '' ? [] : String(p).split('.').map((k) => /^\d+$/.test(k) ? +k : k) };
    if (r.chance(0.2)) return { var: [p, this.odd()] };
    return { var: p };
  }

  value(d) {
    const r = this.r;
    if (d <= 0) return r.chance(0.5) ? this.variable() : this.odd();
    const kids = (lo, hi) => Array.from({ length: r.int(lo, hi) }, () => this.value(d - 1));
    const cmp = r.pick(['<', '<=', '>', '>=', '==', '===', '!=', '!==']);
    return r.weighted([
      [6, () => this.value(0)],
      [5, () => ({ [cmp]: kids(2, 2) })],
      [2, () => ({ [r.pick(['<', '<=', '>', '>=', '==', '==='])]: kids(3, 3) })],
      [3, () => ({ [r.pick(['==', '===', '!=', '!=='])]: [this.value(0), this.odd()] })],
      [4, () => ({ [r.pick(['+', '*'])]: kids(1, 3) })],
      [3, () => ({ [r.pick(['-', '/', '%'])]: kids(r.chance(0.2) ? 1 : 2, 2) })],
      [1, () => ({ [r.pick(['+', '-', '*', '!', '!!', 'cat'])]: this.value(d - 1) })],
      [2, () => ({ [r.pick(['min', 'max'])]: kids(1, 3) })],
      [3, () => ({ cat: kids(1, 3) })],
      [3, () => ({ substr: r.weighted([[1, () => kids(1, 1)], [2, () => kids(2, 2)], [3, () => [this.value(d - 1), r.pick([0, 1, -1, -2, 2.7, '1', '-1', null, true, 10, -10, 'x']), r.pick([0, 1, -1, -2, 1.5, '2', '-1', null, false, 10, -10, [], [-1]])]]])() })],
      [3, () => ({ in: kids(2, 2) })],
      [1, () => ({ in: [this.value(d - 1), r.pick(['abc', 'a,b', '1,2', 'null', 'true', '[object Object]', ''])] })],
      [3, () => ({ if: kids(r.int(1, 4), r.int(3, 5)) })],
      [3, () => ({ [r.pick(['and', 'or'])]: kids(1, 3) })],
      [2, () => ({ [r.pick(['!', '!!'])]: [this.value(d - 1)] })],
      [1, () => ({ merge: kids(1, 3) })],
      [1, () => ({ missing: r.chance(0.5) ? Array.from({ length: r.int(1, 3) }, () => String(this.path())) : this.value(d - 1) })],
      [1, () => ({ missing_some: [r.pick([0, 1, 2, '1']), Array.from({ length: r.int(1, 3) }, () => String(this.path()))] })],
      [2, () => ({ [r.pick(['map', 'filter', 'all', 'some', 'none'])]: [this.iterable(d - 1), this.value(d - 1)] })],
      [1, () => ({ reduce: [this.iterable(d - 1), { [r.pick(['+', 'cat', '*', 'max'])]: [{ var: 'accumulator' }, { var: 'current' }] }, this.odd()] })],
      [1, () => ({ var: this.value(d - 1) })],
      [this.spec ? 1 : 0, () => ({ '??': kids(1, 3) })],
      [this.spec ? 1 : 0, () => ({ length: this.value(d - 1) })],
      [this.spec ? 1 : 0, () => ({ exists: this.path() })],
      [this.spec ? 1 : 0, () => ({ try: [this.value(d - 1), r.chance(0.5) ? { var: 'type' } : this.value(0)] })],
    ])();
  }

  iterable(d) {
    const r = this.r;
    return r.weighted([
      [3, () => ({ var: r.pick(['arr', 'nums', 'o.arr', 's', 'a', 'zz', 'o']) })],
      [1, () => Array.from({ length: r.int(0, 3) }, () => this.odd())],
      [1, () => this.value(d)],
    ])();
  }

  rule() { return this.value(this.r.int(1, 3)); }
}

// ---- running ---------------------------------------------------------------------------------

// As JSON.stringify prints it, with object keys sorted (JavaScript orders integer-like keys first).
function canonical(v) {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return 'null';
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  }
  if (typeof v === 'function') return 'null';
  return JSON.stringify(v);
}

// The JsonLogic error type a json-logic-engine error carries, or null for a JavaScript error.
function engineErrorType(e) {
  if (typeof e === 'number' && Number.isNaN(e)) return 'NaN';
  if (e && typeof e === 'object' && !(e instanceof Error) && e.type !== undefined) return String(e.type);
  return null;
}

function reference(dialect, peers, engineMode) {
  if (dialect === 'javascript') {
    const jl = requirePeer(peers, 'json-logic-js');
    return (rule, data) => jl.apply(rule, data);
  }
  const { LogicEngine } = requirePeer(peers, 'json-logic-engine');
  if (engineMode === 'built') return (rule, data) => new LogicEngine().build(rule)(data);
  if (engineMode === 'shared') {  // one engine for every rule, as a long-running program uses it
    const engine = new LogicEngine();
    return (rule, data) => engine.run(rule, data);
  }
  const opts = engineMode === 'interpreted' ? { disableInterpretedOptimization: true } : undefined;
  return (rule, data) => new LogicEngine(undefined, opts).run(rule, data);
}

function runDivert(divert, dialect, cases) {
  const input = cases.map((c) => JSON.stringify({ rule: c.rule, data: c.data })).join('\n') + '\n';
  const res = spawnSync(divert, ['jsonlogic', 'eval', '--dialect', dialect], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    console.error(`random_rules.js: ${divert} failed: ${res.error ? res.error.message : res.stderr}`);
    process.exit(2);
  }
  const lines = res.stdout.split('\n').filter((l) => l.length);
  if (lines.length !== cases.length) {
    console.error(`random_rules.js: ${cases.length} lines in, ${lines.length} out`);
    process.exit(2);
  }
  return lines.map((l) => JSON.parse(l));
}

function runFamily(name, Gen, dialect, o, ref) {
  const r = rng(o.seed * 1000003 + (name === 'typed' ? 1 : 2) + (dialect === 'specification' ? 10 : 0));
  const gen = new Gen(r, dialect);
  const cases = [];
  for (let i = 0; i < o.count; i++) {
    const rule = gen.rule(), data = gen.data();
    // The reference gets its own copies: nothing it does may leak into what divert reads.
    let expected, error = null, errorType = null;
    try {
      expected = canonical(ref(JSON.parse(JSON.stringify(rule)), JSON.parse(JSON.stringify(data))));
    } catch (e) {
      error = (e && (e.message || e.type)) || String(e);
      errorType = dialect === 'specification' ? engineErrorType(e) : null;
    }
    cases.push({ rule, data, expected, error, errorType });
  }
  if (o.emit) {
    require('fs').appendFileSync(o.emit, cases.map((c) => JSON.stringify({ dialect, family: name, rule: c.rule, data: c.data })).join('\n') + '\n');
  }
  const got = runDivert(o.divert, dialect, cases);
  let agree = 0, typeMismatch = 0, refErrors = 0;
  const differ = [], typeDiffer = [];
  cases.forEach((c, i) => {
    const g = got[i];
    if (c.error !== null) refErrors++;
    let same;
    if (c.error !== null) same = 'error' in g;
    else same = !('error' in g) && canonical(g.result) === c.expected;
    if (same) {
      agree++;
      // A runtime error of the specification dialect names its type; a compile error names a pointer.
      if (c.errorType && typeof g.error === 'string' && !g.error.startsWith('/') && g.error !== c.errorType) {
        typeMismatch++;
        typeDiffer.push({ rule: c.rule, data: c.data, expected: `error ${c.errorType}`, got: `error ${g.error}` });
      }
    } else {
      differ.push({
        rule: c.rule, data: c.data,
        expected: c.error !== null ? `error ${c.error}` : c.expected,
        got: 'error' in g ? `error ${g.error}` : canonical(g.result),
      });
    }
  });
  let info = '';
  if (dialect === 'specification' && o.alsoOptimized && o.engineMode !== 'optimized') {
    const optimized = reference(dialect, o.peers, 'optimized');
    let same = 0;
    cases.forEach((c, i) => {
      let expected = null, failed = false;
      try {
        expected = canonical(optimized(JSON.parse(JSON.stringify(c.rule)), JSON.parse(JSON.stringify(c.data))));
      } catch (e) {
        failed = true;
      }
      const g = got[i];
      if (failed ? 'error' in g : !('error' in g) && canonical(g.result) === expected) same++;
    });
    info = `; with the engine's default (optimised) run: ${same}/${cases.length} (${((100 * same) / cases.length).toFixed(2)}%)`;
  }
  const pct = (100 * agree) / cases.length;
  console.log(`${dialect} ${name}: ${agree}/${cases.length} agree (${pct.toFixed(2)}%), reference errors ${refErrors}` +
              (dialect === 'specification' ? `, error types differing ${typeMismatch}` : '') + info);
  for (const d of differ.slice(0, o.show))
    console.log(`  DIFF rule ${JSON.stringify(d.rule)} data ${JSON.stringify(d.data)}: reference ${d.expected}, divert ${d.got}`);
  for (const d of typeDiffer.slice(0, Math.min(o.show, 5)))
    console.log(`  TYPE rule ${JSON.stringify(d.rule)} data ${JSON.stringify(d.data)}: reference ${d.expected}, divert ${d.got}`);
  if (o.dump) {
    require('fs').appendFileSync(o.dump, differ.map((d) => JSON.stringify({ dialect, family: name, ...d })).join('\n') + (differ.length ? '\n' : ''));
  }
  return pct;
}

function main() {
  const o = parseArgs(process.argv);
  const dialects = o.dialect === 'both' ? ['javascript', 'specification'] : [o.dialect];
  let ok = true;
  console.log(`seed ${o.seed}, ${o.count} rules per family`);
  for (const dialect of dialects) {
    const ref = reference(dialect, o.peers, o.engineMode);
    const typed = runFamily('typed', TypedGen, dialect, o, ref);
    const coercion = runFamily('coercion', CoercionGen, dialect, o, ref);
    if (typed < o.minTyped || coercion < o.minCoercion) ok = false;
  }
  process.exit(ok ? 0 : 1);
}

main();
