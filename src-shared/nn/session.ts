// The engine talks to ONNX Runtime only through onnxruntime-common's types; the host (src-main)
// registers the native backend and decides the execution provider, then hands in a factory.
import type { InferenceSession } from 'onnxruntime-common';

export type SessionFactory = (model: Uint8Array) => Promise<InferenceSession>;
