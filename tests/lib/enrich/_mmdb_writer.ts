/**
 * A tiny MaxMind DB (format 2.0) writer for tests: IPv4 networks to maps of strings and
 * unsigned integers, 24-bit records. Spec: https://maxmind.github.io/MaxMind-DB/
 */

type Value = string | number | Value[] | { [k: string]: Value };

function ctrl(type: number, size: number): number[] {
  const ext = type > 7;
  const head = (ext ? 0 : type) << 5;
  let sizeBytes: number[] = [];
  let s = size;
  if (size >= 65821) {
    s = 31;
    const v = size - 65821;
    sizeBytes = [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  } else if (size >= 285) {
    s = 30;
    const v = size - 285;
    sizeBytes = [(v >> 8) & 255, v & 255];
  } else if (size >= 29) {
    s = 29;
    sizeBytes = [size - 29];
  }
  return [head | s, ...(ext ? [type - 7] : []), ...sizeBytes];
}

function encode(v: Value): number[] {
  if (typeof v === "string") {
    const b = [...new TextEncoder().encode(v)];
    return [...ctrl(2, b.length), ...b];
  }
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`unsupported number ${v}`);
    const b: number[] = [];
    for (let x = v; x > 0; x = Math.floor(x / 256)) b.unshift(x % 256);
    return [...ctrl(6, b.length), ...b]; // uint32
  }
  if (Array.isArray(v)) return [...ctrl(11, v.length), ...v.flatMap(encode)];
  const entries = Object.entries(v);
  return [...ctrl(7, entries.length), ...entries.flatMap(([k, x]) => [...encode(k), ...encode(x)])];
}

interface TNode {
  kids: [TNode | number | null, TNode | number | null];
}

/** Build an .mmdb image from `{"203.0.113.0/24": {...}}` (IPv4 only, non-overlapping). */
export function buildMmdb(databaseType: string, networks: Record<string, Value>): Uint8Array {
  const data: number[] = [];
  const root: TNode = { kids: [null, null] };
  for (const [cidr, value] of Object.entries(networks)) {
    const [addr, bitsText] = cidr.split("/");
    const bits = Number(bitsText ?? 32);
    const n = addr.split(".").reduce((a, o) => a * 256 + Number(o), 0);
    const offset = data.length;
    data.push(...encode(value));
    let node = root;
    for (let i = 0; i < bits; i++) {
      const bit = Math.floor(n / 2 ** (31 - i)) % 2 as 0 | 1;
      if (i === bits - 1) {
        node.kids[bit] = offset;
      } else {
        const next = node.kids[bit];
        if (next === null || typeof next === "number") node.kids[bit] = { kids: [null, null] };
        node = node.kids[bit] as TNode;
      }
    }
  }
  const order: TNode[] = [];
  const number = new Map<TNode, number>();
  const walk = (t: TNode) => {
    number.set(t, order.length);
    order.push(t);
    for (const k of t.kids) if (k !== null && typeof k !== "number") walk(k);
  };
  walk(root);
  const nodeCount = order.length;
  const record = (k: TNode | number | null) =>
    k === null ? nodeCount : typeof k === "number" ? nodeCount + 16 + k : number.get(k)!;
  const tree: number[] = [];
  for (const t of order) {
    for (const k of t.kids) {
      const r = record(k);
      tree.push((r >> 16) & 255, (r >> 8) & 255, r & 255);
    }
  }
  const marker = [0xab, 0xcd, 0xef, ...new TextEncoder().encode("MaxMind.com")];
  const meta = encode({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_764_000_000,
    database_type: databaseType,
    description: { en: "honeywatch test database" },
    ip_version: 4,
    languages: ["en"],
    node_count: nodeCount,
    record_size: 24,
  });
  return new Uint8Array([...tree, ...new Array(16).fill(0), ...data, ...marker, ...meta]);
}
