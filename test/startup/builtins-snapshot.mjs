import { pathToFileURL } from 'node:url';

// Plain JavaScript: a pristine `node` (no tsx, nothing else loaded) runs this file to take the reference snapshot.

const typedArrays = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];
const constructors = {
  Object,
  Function,
  Array,
  String,
  Number,
  Boolean,
  Symbol,
  BigInt,
  Date,
  RegExp,
  Promise,
  Set,
  Map,
  WeakSet,
  WeakMap,
  WeakRef,
  FinalizationRegistry,
  Proxy,
  ArrayBuffer,
  SharedArrayBuffer,
  DataView,
  Error,
  AggregateError,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  ...Object.fromEntries(typedArrays.map((c) => [c.name, c])),
  TypedArray: Object.getPrototypeOf(Int8Array),
  GeneratorFunction: Object.getPrototypeOf(function* () {}).constructor,
  AsyncFunction: Object.getPrototypeOf(async function () {}).constructor,
  AsyncGeneratorFunction: Object.getPrototypeOf(async function* () {}).constructor,
  Buffer,
  URL,
  URLSearchParams,
  EventTarget,
  AbortController,
  AbortSignal,
  TextEncoder,
  TextDecoder,
};
const namespaces = {
  JSON,
  Math,
  Reflect,
  Atomics,
  Intl,
  IteratorPrototype: Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())),
  AsyncIteratorPrototype: Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}.prototype)),
  ArrayIteratorPrototype: Object.getPrototypeOf([][Symbol.iterator]()),
  SetIteratorPrototype: Object.getPrototypeOf(new Set()[Symbol.iterator]()),
  MapIteratorPrototype: Object.getPrototypeOf(new Map()[Symbol.iterator]()),
  StringIteratorPrototype: Object.getPrototypeOf(''[Symbol.iterator]()),
  GeneratorPrototype: Object.getPrototypeOf(function* () {}.prototype),
};

function describeValue(value) {
  if (typeof value === 'function') {
    // A built-in prints as `function name() { [native code] }`; a replacement prints its source.
    const source = Function.prototype.toString.call(value);
    return /\{\s*\[native code\]\s*\}$/.test(source) ? `native ${value.name}` : `replaced: ${source.slice(0, 80)}`;
  }
  if (value === null || typeof value !== 'object')
    return `${typeof value} ${typeof value === 'symbol' ? value.description : String(value)}`;
  return 'object';
}

function describeOwn(target) {
  const props = {};
  for (const key of Reflect.ownKeys(target)) {
    const d = Object.getOwnPropertyDescriptor(target, key);
    const flags = `${d.enumerable ? 'e' : '-'}${d.configurable ? 'c' : '-'}`;
    props[typeof key === 'symbol' ? key.toString() : key] =
      'value' in d
        ? `${describeValue(d.value)} ${d.writable ? 'w' : '-'}${flags}`
        : `get ${d.get ? describeValue(d.get) : '-'} set ${d.set ? describeValue(d.set) : '-'} ${flags}`;
  }
  return props;
}

/**
 * Own properties (names, kinds, flags; a function as built-in or replaced) of every built-in
 * constructor and its prototype, of the built-in namespaces, and the names of globalThis's own properties.
 */
export function builtinsSnapshot() {
  const snapshot = {};
  for (const [name, constructor] of Object.entries(constructors)) {
    snapshot[name] = describeOwn(constructor);
    if (constructor.prototype) snapshot[`${name}.prototype`] = describeOwn(constructor.prototype);
  }
  for (const [name, object] of Object.entries(namespaces)) snapshot[name] = describeOwn(object);
  snapshot.globalThis = Object.fromEntries(Reflect.ownKeys(globalThis).map((key) => [String(key), 'own']));
  return snapshot;
}

/** Every difference as `<object> <property>: <before> => <after>`. */
export function snapshotDifferences(before, after) {
  const out = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [a, b] = [before[name] ?? {}, after[name] ?? {}];
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (a[key] !== b[key]) out.push(`${name} ${key}: ${a[key] ?? 'absent'} => ${b[key] ?? 'absent'}`);
    }
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.stdout.write(JSON.stringify(builtinsSnapshot()));
