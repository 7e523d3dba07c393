import { describe, expect, it } from 'vitest';
import { StepProgress } from './progress.js';

/** A non-terminal stream that records what is written. */
function sink(): { out: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const out = { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
  return { out, lines };
}

describe('StepProgress', () => {
  it('ends at the step a paused run stopped at, not at the total', () => {
    const { out, lines } = sink();
    const bar = new StepProgress('train', 100, 0, out);
    bar.done('', 40);
    expect(lines.at(-1)).toMatch(/ 40\/100 /);
    bar.done();
    expect(lines.at(-1)).toMatch(/ 100\/100 /);
  });
});
