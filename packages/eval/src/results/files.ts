/** The file names inside a results directory. */
import { join } from 'node:path';

/** `results.binpb` and `results.jsonl` in `dir`. */
export function resultsPaths(dir: string): { binpb: string; jsonl: string } {
  return { binpb: join(dir, 'results.binpb'), jsonl: join(dir, 'results.jsonl') };
}
