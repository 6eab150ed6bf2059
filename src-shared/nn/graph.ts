// A small typed ONNX graph: values with static shapes, nodes in topological order (a node can
// only consume values that already exist), and constant initializers. Op constructors with shape
// inference live in ops.ts; serialisation in onnx-io.ts. Keeping shapes static is what lets the
// gradient rules build exact Slice/Pad/Reshape arguments as constants.

export type ElemType = 'float32' | 'int64' | 'bool';

export interface Value {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: ElemType;
}

export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: string[] };

export interface Node {
  readonly op: string;
  readonly inputs: readonly string[]; // '' = optional input left out
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
  /** operator set domain; absent = the default ONNX domain ('ai.onnx.ml' for tree ensembles) */
  readonly domain?: string;
}

export type ConstData = Float32Array | BigInt64Array | Uint8Array;

export interface Constant { value: Value; data: ConstData }

export const int = (value: number): Attr => ({ kind: 'int', value });
export const float = (value: number): Attr => ({ kind: 'float', value });
export const ints = (value: number[]): Attr => ({ kind: 'ints', value });
export const floats = (value: number[]): Attr => ({ kind: 'floats', value });
export const str = (value: string): Attr => ({ kind: 'string', value });
export const strs = (value: string[]): Attr => ({ kind: 'strings', value });

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly constants = new Map<string, Constant>();
  private readonly values = new Map<string, Value>();
  private readonly producer = new Map<string, number>();
  private counter = 0;

  /** A fresh, readable, unique name: `conv_12`. */
  fresh(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`; while (this.values.has(name));
    return name;
  }

  value(name: string): Value {
    const v = this.values.get(name);
    if (!v) throw new Error(`graph has no value '${name}'`);
    return v;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Index into `nodes` of the node producing `name`, if any (inputs and constants have none). */
  producerOf(name: string): number | undefined {
    return this.producer.get(name);
  }

  private define(v: Value): Value {
    if (this.values.has(v.name)) throw new Error(`value '${v.name}' defined twice`);
    for (const d of v.shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`value '${v.name}' has invalid shape [${v.shape}]`);
    }
    this.values.set(v.name, v);
    return v;
  }

  input(name: string, shape: readonly number[], type: ElemType = 'float32'): Value {
    const v = this.define({ name, shape: [...shape], type });
    this.inputs.push(v);
    return v;
  }

  output(v: Value): void {
    if (!this.outputs.some((o) => o.name === v.name)) this.outputs.push(v);
  }

  constant(data: ConstData, shape: readonly number[], hint = 'const'): Value {
    if (data.length !== numel(shape)) throw new Error(`constant of ${data.length} for shape [${shape}]`);
    const type: ElemType = data instanceof Float32Array ? 'float32' : data instanceof BigInt64Array ? 'int64' : 'bool';
    const v = this.define({ name: this.fresh(hint), shape: [...shape], type });
    this.constants.set(v.name, { value: v, data });
    return v;
  }

  /** int64 vector constant, the type ONNX wants for axes, shapes, pads, starts/ends. */
  i64(values: readonly number[], hint = 'i64'): Value {
    return this.constant(BigInt64Array.from(values.map((x) => BigInt(x))), [values.length], hint);
  }

  scalar(x: number, hint = 'scalar'): Value {
    return this.constant(Float32Array.of(x), [], hint);
  }

  /** Append a node whose output shapes the caller (an op constructor) has inferred. */
  node(op: string, inputs: readonly (Value | undefined)[], outputs: { shape: readonly number[]; type?: ElemType }[],
    attrs: Record<string, Attr> = {}, hint = op.toLowerCase(), domain?: string): Value[] {
    const outs = outputs.map((o) => this.define({ name: this.fresh(hint), shape: [...o.shape], type: o.type ?? 'float32' }));
    const index = this.nodes.length;
    this.nodes.push({ op, inputs: inputs.map((v) => v?.name ?? ''), outputs: outs.map((o) => o.name), attrs, ...(domain ? { domain } : {}) });
    for (const o of outs) this.producer.set(o.name, index);
    return outs;
  }

  /** A constant's data, when `v` is a constant; gradient rules read axes and shapes through this. */
  constData(v: Value): ConstData | undefined {
    return this.constants.get(v.name)?.data;
  }
}
