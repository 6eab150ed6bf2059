// Reverse-mode differentiation: walk the nodes backwards (they are stored in topological order),
// apply the rule from the one table, and sum gradients where a value fans out. Only values that
// depend on something in `wrt` get gradients, so frozen parameters and data inputs cost nothing.
import { Graph, type Value } from './graph.ts';
import { GRADIENT_RULES } from './gradients.ts';
import * as op from './ops.ts';

export function differentiate(g: Graph, loss: Value, wrt: readonly Value[]): Map<string, Value> {
  const wanted = new Set(wrt.map((v) => v.name));
  const dependsOnWrt = new Set(wanted);
  for (const n of g.nodes) {
    if (n.inputs.some((i) => dependsOnWrt.has(i))) for (const o of n.outputs) dependsOnWrt.add(o);
  }
  if (!dependsOnWrt.has(loss.name)) throw new Error('the loss does not depend on any parameter being trained');

  const pending = new Map<string, Value[]>();
  const contribute = (name: string, grad: Value) => pending.set(name, [...(pending.get(name) ?? []), grad]);
  const settle = (name: string): Value | undefined => {
    const parts = pending.get(name);
    if (!parts) return undefined;
    const total = op.sum(g, parts);
    pending.set(name, [total]);
    return total;
  };

  contribute(loss.name, g.constant(new Float32Array(Math.max(1, loss.shape.reduce((a, b) => a * b, 1))).fill(1), loss.shape, 'seed'));

  const forwardCount = g.nodes.length;
  for (let i = forwardCount - 1; i >= 0; i--) {
    const node = g.nodes[i]!;
    if (node.outputs.length !== 1) throw new Error(`${node.op}: multi-output nodes are not differentiable here`);
    const dy = settle(node.outputs[0]!);
    if (!dy) continue;
    const needs = node.inputs.map((name) => name !== '' && dependsOnWrt.has(name));
    if (!needs.some(Boolean)) continue;
    const rule = GRADIENT_RULES[node.op];
    if (!rule) throw new Error(`no gradient rule for ${node.op}`);
    const grads = rule(g, node, dy, needs);
    node.inputs.forEach((name, k) => {
      const grad = grads[k];
      if (needs[k] && grad) contribute(name, grad);
    });
  }

  const result = new Map<string, Value>();
  for (const v of wrt) {
    result.set(v.name, settle(v.name) ?? g.constant(new Float32Array(v.shape.reduce((a, b) => a * b, 1)), v.shape, 'zero_grad'));
  }
  return result;
}
