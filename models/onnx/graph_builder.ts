// A small typed API for writing ONNX graphs, over the maintained `onnx-proto` (protobufjs) schema.
// Values are tensor names (strings); `op()` appends a node and returns its output name(s).
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

export type DType = "float32" | "float16" | "int64" | "int32" | "bool" | "uint8";
/** A dimension: a number, or a name for a dynamic dimension ("batch", "samples"...). */
export type Dim = number | string;
export type Value = string;

const DTYPE_CODES: Record<DType, number> = {
  float32: DT.FLOAT,
  float16: DT.FLOAT16,
  int64: DT.INT64,
  int32: DT.INT32,
  bool: DT.BOOL,
  uint8: DT.UINT8,
};

export function dtypeCode(dtype: DType): number {
  return DTYPE_CODES[dtype];
}

/** Attribute values; plain numbers are INT, wrap floats with `float()`/`floats()`. */
export type AttrValue =
  | number
  | number[]
  | string
  | FloatAttr
  | FloatsAttr
  | TensorAttr
  | GraphAttr;
interface FloatAttr { kind: "float"; value: number }
interface FloatsAttr { kind: "floats"; value: number[] }
interface TensorAttr { kind: "tensor"; value: ReturnType<typeof tensorProto> }
interface GraphAttr { kind: "graph"; value: ReturnType<GraphBuilder["toGraphProto"]> }

export const float = (value: number): FloatAttr => ({ kind: "float", value });
export const floats = (value: number[]): FloatsAttr => ({ kind: "floats", value });
export const graphAttr = (g: GraphBuilder): GraphAttr => ({ kind: "graph", value: g.toGraphProto() });

export type TensorData = Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;

function dtypeOf(data: TensorData, hint?: DType): DType {
  if (hint) return hint;
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Uint16Array) return "float16";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int32Array) return "int32";
  return "uint8";
}

/** A TensorProto with little-endian raw bytes (zero-copy view over `data`). */
export function tensorProto(name: string, data: TensorData, dims: number[], dtype?: DType) {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`tensor ${name}: ${data.length} values do not fill dims [${dims.join(",")}]`);
  }
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: dtypeCode(dtypeOf(data, dtype)),
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

function valueInfo(name: string, dtype: DType, dims: Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: dtypeCode(dtype),
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attribute(name: string, v: AttrValue) {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new TypeError(`attribute ${name}: ${v} is not an integer; use float()`);
    return onnx.AttributeProto.create({ name, type: AT.INT, i: v });
  }
  if (typeof v === "string") {
    return onnx.AttributeProto.create({ name, type: AT.STRING, s: new TextEncoder().encode(v) });
  }
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: AT.INTS, ints: v });
  switch (v.kind) {
    case "float":
      return onnx.AttributeProto.create({ name, type: AT.FLOAT, f: v.value });
    case "floats":
      return onnx.AttributeProto.create({ name, type: AT.FLOATS, floats: v.value });
    case "tensor":
      return onnx.AttributeProto.create({ name, type: AT.TENSOR, t: v.value });
    case "graph":
      return onnx.AttributeProto.create({ name, type: AT.GRAPH, g: v.value });
  }
}

export class GraphBuilder {
  #nodes: ReturnType<typeof onnx.NodeProto.create>[] = [];
  #inits: ReturnType<typeof tensorProto>[] = [];
  #inputs: ReturnType<typeof valueInfo>[] = [];
  #outputs: ReturnType<typeof valueInfo>[] = [];
  #names = new Set<string>();
  #counter = 0;

  constructor(readonly name: string) {}

  /** A fresh, unused tensor name with a readable prefix. */
  fresh(prefix = "t"): string {
    let n: string;
    do n = `${prefix}_${this.#counter++}`; while (this.#names.has(n));
    this.#names.add(n);
    return n;
  }

  input(name: string, dtype: DType, dims: Dim[]): Value {
    this.#claim(name);
    this.#inputs.push(valueInfo(name, dtype, dims));
    return name;
  }

  /** Declares `value` as a graph output called `name` (an Identity is added when the names differ). */
  output(value: Value, name: string, dtype: DType, dims: Dim[]): Value {
    if (value !== name) {
      this.#claim(name);
      this.#nodes.push(onnx.NodeProto.create({ opType: "Identity", input: [value], output: [name], name: `out_${name}` }));
    }
    this.#outputs.push(valueInfo(name, dtype, dims));
    return name;
  }

  /** A weight. The bytes are referenced, not copied, until the model is serialized. */
  initializer(name: string, data: TensorData, dims: number[], dtype?: DType): Value {
    this.#claim(name);
    this.#inits.push(tensorProto(name, data, dims, dtype));
    return name;
  }

  /** A small constant (stored as an initializer with a fresh name). */
  constant(data: TensorData | number[], dims: number[], dtype: DType = "int64", prefix = "const"): Value {
    let arr: TensorData;
    if (Array.isArray(data)) {
      arr = dtype === "int64"
        ? BigInt64Array.from(data.map((x) => BigInt(x)))
        : dtype === "int32"
        ? Int32Array.from(data)
        : Float32Array.from(data);
    } else arr = data;
    const name = this.fresh(prefix); // already reserved by fresh()
    this.#inits.push(tensorProto(name, arr, dims, dtype));
    return name;
  }

  /** int64 1-D constant: shapes, axes, pads. */
  ints(values: number[]): Value {
    return this.constant(values, [values.length], "int64", "ints");
  }

  /** float32 scalar constant. */
  scalar(value: number): Value {
    return this.constant([value], [], "float32", "scalar");
  }

  /** Appends one node with a single output; returns the output name. */
  op(opType: string, inputs: Value[], attrs: Record<string, AttrValue> = {}, outName?: string): Value {
    return this.opN(opType, inputs, 1, attrs, outName ? [outName] : undefined)[0];
  }

  /** Appends one node with `n` outputs. Empty-string inputs mean "optional input omitted". */
  opN(opType: string, inputs: Value[], n: number, attrs: Record<string, AttrValue> = {}, outNames?: string[]): Value[] {
    const outputs = outNames ?? Array.from({ length: n }, () => this.fresh(opType.toLowerCase()));
    if (outNames) outNames.forEach((o) => this.#claim(o));
    this.#nodes.push(onnx.NodeProto.create({
      opType,
      input: inputs,
      output: outputs,
      name: this.fresh(`n_${opType}`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    }));
    return outputs;
  }

  toGraphProto() {
    return onnx.GraphProto.create({
      name: this.name,
      node: this.#nodes,
      initializer: this.#inits,
      input: this.#inputs,
      output: this.#outputs,
    });
  }

  /** Serializes to ONNX bytes (IR 8, default opset 17 plus any extra domains). */
  toBytes(options: { opset?: number; producer?: string; metadata?: Record<string, string> } = {}): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: options.producer ?? "ichigo-tts-tokens",
      opsetImport: [{ domain: "", version: options.opset ?? 17 }],
      graph: this.toGraphProto(),
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }

  get nodeCount(): number {
    return this.#nodes.length;
  }

  #claim(name: string) {
    if (this.#names.has(name)) throw new Error(`graph ${this.name}: tensor name "${name}" is used twice`);
    this.#names.add(name);
  }
}
