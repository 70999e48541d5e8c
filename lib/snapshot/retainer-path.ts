// Turns the addon's retainer steps into a RetainerPath with a one-line text.
import type { RawRetainerStep } from './analyze';
import type { RetainerPath } from './types';

function edgeLabel(step: RawRetainerStep): string {
  // Indexes, including the numbered slots of V8's internal arrays (a Map's table).
  return step.edgeType === 'element' || step.edgeType === 'hidden' || /^\d+$/.test(step.edge) ? `[${step.edge}]` : step.edge;
}

function stepLabel(step: RawRetainerStep): string {
  // A global object reached through the root's shortcut, and V8's synthetic
  // groups ("(GC roots)", "(Global handles)"), are named by themselves.
  if (step.edgeType === 'shortcut' || step.nodeType === 'synthetic') return step.node;
  return `${edgeLabel(step)} (${step.node})`;
}

export function toRetainerPath(steps: RawRetainerStep[]): RetainerPath {
  const shown = steps.slice(1);
  // The snapshot's root stands for the GC roots, unless V8's own "(GC roots)" group follows.
  const head = shown[0]?.node === '(GC roots)' ? [] : ['(GC roots)'];
  return { steps, text: [...head, ...shown.map(stepLabel)].join(' → ') };
}
