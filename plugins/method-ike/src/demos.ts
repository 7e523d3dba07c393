/**
 * Demonstration strings in the reference layout. Kinds: `copy` (the fact's own question), `update`
 * (its paraphrase), `retain` (an unrelated question with its own answer).
 */

/** A demonstration kind. */
export type DemoKind = 'copy' | 'update' | 'retain';

/** A source record for demonstrations; rephrase and locality are optional (training pairs lack them). */
export interface DemoSource {
  prompt: string;
  target: string;
  rephrase?: string;
  loc?: string;
  locAns?: string;
}

/** One demonstration. */
export interface Demo {
  kind: DemoKind;
  text: string;
}

/** `New Fact: {p} {t}\nPrompt: {x} {a}\n\n`. */
export function demoText(prompt: string, target: string, x: string, answer: string): string {
  return `New Fact: ${prompt} ${target}\nPrompt: ${x} ${answer}\n\n`;
}

/** The demonstrations a record allows. */
export function demosOf(r: DemoSource): Demo[] {
  const out: Demo[] = [{ kind: 'copy', text: demoText(r.prompt, r.target, r.prompt, r.target) }];
  if (r.rephrase) out.push({ kind: 'update', text: demoText(r.prompt, r.target, r.rephrase, r.target) });
  if (r.loc && r.locAns) out.push({ kind: 'retain', text: demoText(r.prompt, r.target, r.loc, r.locAns) });
  return out;
}

/** The retrieval query for an edit: `New Fact: {p} {t}\nPrompt: {p}\n\n`. */
export function queryText(prompt: string, target: string): string {
  return `New Fact: ${prompt} ${target}\nPrompt: ${prompt}\n\n`;
}

/**
 * The evaluation context: the demonstrations (most similar first), then
 * `New Fact: {p} {t}\nPrompt: {question}`; the evaluator appends ` {answer}`.
 */
export function contextPrompt(demos: readonly string[], prompt: string, target: string, question: string): string {
  return `${demos.join('')}New Fact: ${prompt} ${target}\nPrompt: ${question}`;
}
