import { describe, expect, it } from 'vitest';
import { verdict, type DemoRow } from './commands/demo.js';

const edit: DemoRow = { label: 'edit question (en)', q: 'Q?', target: 'French', kind: 'edit' };
const zh: DemoRow = { label: 'same question (zh)', q: 'Q？', target: '法语', old: '德语', kind: 'transfer' };
const unrelated: DemoRow = { label: 'unrelated (en)', q: 'U?', target: '', kind: 'unrelated' };

describe('the demo verdicts', () => {
  it('marks only an exact new answer as a success', () => {
    expect(verdict(edit, 'German', 'French')).toBe('✓ exactly the new answer');
    expect(verdict(edit, 'German', 'Frenches')).toBe('✗ not the new answer, contains it, but is not exactly it');
    expect(verdict(edit, 'German', 'German')).toBe('✗ not the new answer');
  });

  it('says what happened in the other language', () => {
    expect(verdict(zh, '德语', '法语')).toBe('✓ the new answer carried over (法语)');
    expect(verdict(zh, '德语', '德语')).toBe('✗ did not carry over: unchanged (the new answer would be 法语)');
    expect(verdict(zh, '英语', '德语')).toBe('✗ did not carry over: still the old answer');
    expect(verdict(zh, '德语', '法语法语')).toBe('✗ changed, but not to the new answer 法语, contains it, but is not exactly it');
  });

  it('checks that an unrelated answer did not move', () => {
    expect(verdict(unrelated, 'Ottawa', 'Ottawa')).toBe('✓ unchanged');
    expect(verdict(unrelated, 'Ottawa', 'Rome')).toBe('✗ changed by the edit');
  });
});
