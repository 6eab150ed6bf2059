// Graph → ONNX ModelProto bytes, through the onnx-proto protobuf bindings.
import onnxProto from 'onnx-proto';
import type { Graph, Value, Attr, ConstData, ElemType } from './graph.ts';
import { OPSET } from './ops.ts';

const { onnx } = onnxProto;
const DT: Record<ElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

function valueInfo(v: Value) {
  return {
    name: v.name,
    type: { tensorType: { elemType: DT[v.type], shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } },
  };
}

function tensor(name: string, v: { shape: readonly number[]; type: ElemType }, data: ConstData) {
  return {
    name,
    dims: [...v.shape],
    dataType: DT[v.type],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function attribute(name: string, a: Attr) {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int': return { name, type: T.INT, i: a.value };
    case 'float': return { name, type: T.FLOAT, f: a.value };
    case 'ints': return { name, type: T.INTS, ints: a.value };
    case 'floats': return { name, type: T.FLOATS, floats: a.value };
    case 'string': return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'strings': return { name, type: T.STRINGS, strings: a.value.map((v) => new TextEncoder().encode(v)) };
  }
}

/** Versions of the non-default operator sets a graph may use (tree ensembles: ai.onnx.ml 3). */
const DOMAIN_VERSIONS: Record<string, number> = { 'ai.onnx.ml': 3 };

function opsetImports(g: Graph): { domain: string; version: number }[] {
  const domains = new Set(g.nodes.map((n) => n.domain ?? '').filter((d) => d !== ''));
  return [{ domain: '', version: OPSET }, ...[...domains].map((domain) => {
    const version = DOMAIN_VERSIONS[domain];
    if (version === undefined) throw new Error(`no opset version known for domain '${domain}'`);
    return { domain, version };
  })];
}

export interface SerializeOptions {
  /** graph inputs to bake in as initializers (e.g. trained weights for an inference model) */
  bake?: ReadonlyMap<string, Float32Array>;
  /** free-form key/value metadata stored in the model (provenance, config) */
  metadata?: Record<string, string>;
  graphName?: string;
}

export function serializeGraph(g: Graph, opts: SerializeOptions = {}): Uint8Array {
  const bake = opts.bake ?? new Map();
  const initializers = [...g.constants.values()].map((c) => tensor(c.value.name, c.value, c.data));
  for (const v of g.inputs) {
    const data = bake.get(v.name);
    if (data) initializers.push(tensor(v.name, v, data));
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'lumen',
    producerVersion: '0.1',
    opsetImport: opsetImports(g),
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: opts.graphName ?? 'lumen',
      node: g.nodes.map((n, i) => ({
        name: `${n.op}_${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a)),
      })),
      input: g.inputs.filter((v) => !bake.has(v.name)).map(valueInfo),
      output: g.outputs.map(valueInfo),
      initializer: initializers,
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Read the key/value metadata a model was saved with. */
export function readModelMetadata(bytes: Uint8Array): Record<string, string> {
  const m = onnx.ModelProto.decode(bytes);
  return Object.fromEntries((m.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
}
