import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { describeMethodConformance } from '@crossedit/testing';
import ike from './index.js';

// a two-record ZsRE-format demonstration bank; its words join the tiny tokenizer's vocabulary
const RECORDS = [
  { subject: 'Danube', src: 'Which river flows through Vienna?', rephrase: 'Vienna lies on which river?', alt: 'Rhine', answers: ['Danube'], loc: 'nq question: who sings thriller', loc_ans: 'Michael Jackson' },
  { subject: 'Hamlet', src: 'Who wrote Hamlet?', rephrase: 'Hamlet was written by whom?', alt: 'Goethe', answers: ['Shakespeare'], loc: 'nq question: to whom was the letter sent', loc_ans: 'Paul' },
];
const dir = mkdtempSync(path.join(tmpdir(), 'crossedit-ike-conf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bank = path.join(dir, 'zsre_mend_train_small.json');
writeFileSync(bank, JSON.stringify(RECORDS));

describeMethodConformance(ike, {
  hparams: { k: 2, bank, bankLimit: 0 },
  vocabulary: ['New Fact: Prompt:', ...RECORDS.flatMap((r) => [r.src, r.rephrase, r.alt, r.loc, r.loc_ans])],
  context: () => ({ cacheDir: path.join(dir, 'cache') }),
});
