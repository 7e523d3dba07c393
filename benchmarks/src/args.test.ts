import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { choiceFlag, choiceListFlag, expectedNumber, keyValueFlags, numberFlag, numberListFlag } from './args.js';
import { REPO } from './editors/cli.js';
import { parseDiagnoseArgs } from './editors/diagnose.js';
import { parseMendDiagnoseArgs } from './editors/mend-diagnose.js';
import { parseScopeArgs } from './editors/scope.js';
import { parseEditorsArgs } from './editors/shipped.js';
import { parseTrainingScaleArgs } from './editors/training-scale.js';
import { parseGpuReportArgs } from './gpu-report.js';
import { parseKernelArgs } from './kernels.js';
import { parseLaunchArgs } from './launch.js';
import { DEFAULT_7B_CACHE, parse7bArgs } from './models-7b.js';
import { parseModelsArgs } from './models.js';
import { parseShardedArgs } from './sharded.js';
import { parseTokenizerArgs } from './tokenizers.js';

describe('benchmark option checks (args.ts)', () => {
  it('numberFlag: the fallback when absent, the number when in range, else an error naming the flag and the range', () => {
    const spec = { integer: true, min: 1 };
    expect(numberFlag({}, 'reps', spec, 3)).toBe(3);
    expect(numberFlag({}, 'reps', spec)).toBeUndefined();
    expect(numberFlag({ reps: '7' }, 'reps', spec, 3)).toBe(7);
    expect(numberFlag({ reps: '1e3' }, 'reps', spec, 3)).toBe(1000);
    expect(() => numberFlag({ reps: 'abc' }, 'reps', spec, 3)).toThrow("--reps must be an integer >= 1 (got 'abc')");
    expect(() => numberFlag({ reps: '' }, 'reps', spec, 3)).toThrow("--reps must be an integer >= 1 (got '')");
    expect(() => numberFlag({ reps: '2.5' }, 'reps', spec, 3)).toThrow("--reps must be an integer >= 1 (got '2.5')");
    expect(() => numberFlag({ reps: '0' }, 'reps', spec, 3)).toThrow("--reps must be an integer >= 1 (got '0')");
    expect(() => numberFlag({ lr: 'Infinity' }, 'lr', { above: 0 })).toThrow("--lr must be a number > 0 (got 'Infinity')");
    expect(() => numberFlag({ lr: '0' }, 'lr', { above: 0 })).toThrow("--lr must be a number > 0 (got '0')");
    expect(numberFlag({ lr: '3e-3' }, 'lr', { above: 0 })).toBe(0.003);
    expect(() => numberFlag({ layers: '5' }, 'layers', { integer: true, min: 1, max: 4 })).toThrow("--layers must be an integer in 1..4 (got '5')");
    expect(expectedNumber({ min: 0, max: 1 })).toBe('a number in 0..1');
    expect(expectedNumber({})).toBe('a number');
  });

  it('numberListFlag, choiceFlag, choiceListFlag, keyValueFlags', () => {
    expect(numberListFlag({}, 'sizes', { integer: true, min: 2 }, [4, 8])).toEqual([4, 8]);
    expect(numberListFlag({ sizes: '2,10' }, 'sizes', { integer: true, min: 2 }, [4])).toEqual([2, 10]);
    expect(() => numberListFlag({ sizes: '2,1' }, 'sizes', { integer: true, min: 2 }, [4])).toThrow("--sizes must be comma-separated integers >= 2 (got '2,1')");
    expect(() => numberListFlag({ sizes: '2,,3' }, 'sizes', { integer: true, min: 2 }, [4])).toThrow(/--sizes must be/);
    expect(choiceFlag({}, 'pool', ['mean', 'attn'], 'mean')).toBe('mean');
    expect(() => choiceFlag({ pool: 'max' }, 'pool', ['mean', 'attn'], 'mean')).toThrow("--pool must be mean or attn (got 'max')");
    expect(() => choiceFlag({ dtype: 'bf16' }, 'dtype', ['auto', 'f32', 'f16'])).toThrow("--dtype must be one of auto, f32, f16 (got 'bf16')");
    expect(choiceListFlag({ methods: 'mend,ike' }, 'methods', ['serac', 'mend', 'ike'], ['serac'])).toEqual(['mend', 'ike']);
    expect(() => choiceListFlag({ methods: 'mend,rome' }, 'methods', ['serac', 'mend', 'ike'], ['serac'])).toThrow("--methods: unknown entry 'rome' (serac, mend, ike) in 'mend,rome'");
    expect(keyValueFlags({}, 'hparam')).toEqual({});
    expect(keyValueFlags({ hparam: ['vNumGradSteps=3', 'layers=[5]', 'mode="x"'] }, 'hparam')).toEqual({ vNumGradSteps: 3, layers: [5], mode: 'x' });
    expect(() => keyValueFlags({ hparam: ['vNumGradSteps'] }, 'hparam')).toThrow("--hparam must be key=value (got 'vNumGradSteps')");
    expect(() => keyValueFlags({ hparam: ['=3'] }, 'hparam')).toThrow("--hparam must be key=value (got '=3')");
    expect(() => keyValueFlags({ hparam: ['mode=fast'] }, 'hparam')).toThrow(/--hparam must be key=value with a JSON value .*\(got 'mode=fast'\)/);
  });
});

describe('benchmark command lines', () => {
  const unknown = /Unknown option '--nope'/;

  it('editors/diagnose.ts and editors/mend-diagnose.ts: ARTIFACT, --validation 20, --lr-scale 1', () => {
    expect(parseDiagnoseArgs(['a.safetensors'])).toEqual({ artifact: 'a.safetensors', validation: 20 });
    expect(parseDiagnoseArgs(['--validation', '5', 'a.safetensors'])).toEqual({ artifact: 'a.safetensors', validation: 5 });
    expect(() => parseDiagnoseArgs([])).toThrow(/usage: diagnose\.ts ARTIFACT \[--validation N\] \(got no ARTIFACT\)/);
    expect(() => parseDiagnoseArgs(['a', 'b'])).toThrow(/usage: diagnose\.ts .*\(got 'a' 'b'\)/);
    expect(() => parseDiagnoseArgs(['a', '--nope'])).toThrow(unknown);
    expect(() => parseDiagnoseArgs(['a', '--validation'])).toThrow(/Option '--validation <value>' argument missing/);
    expect(() => parseDiagnoseArgs(['a', '--validation', 'ten'])).toThrow("--validation must be an integer >= 1 (got 'ten')");

    expect(parseMendDiagnoseArgs(['m.safetensors'])).toEqual({ artifact: 'm.safetensors', validation: 20, lrScale: 1 });
    expect(parseMendDiagnoseArgs(['m.safetensors', '--lr-scale', '0.5', '--validation', '3'])).toEqual({ artifact: 'm.safetensors', validation: 3, lrScale: 0.5 });
    expect(() => parseMendDiagnoseArgs(['m', '--lr-scale', 'x'])).toThrow("--lr-scale must be a number > 0 (got 'x')");
    expect(() => parseMendDiagnoseArgs(['m', '--lr-scale=-1'])).toThrow("--lr-scale must be a number > 0 (got '-1')");
    expect(() => parseMendDiagnoseArgs(['m', '--nope'])).toThrow(unknown);
  });

  it('editors/scope.ts: its defaults, its choices, its numbers', () => {
    expect(parseScopeArgs([])).toEqual({ heldOut: 200, zhDev: false, artifact: undefined, width: undefined, projInit: 4, pool: 'mean', normalize: false, iters: 1000, batch: 16, lr: 3e-3 });
    expect(parseScopeArgs(['--pool', 'attn', '--normalize', '1', '--iters', '2000', '--batch', '32', '--zh-dev', '1', '--width', '64'])).toMatchObject({ pool: 'attn', normalize: true, iters: 2000, batch: 32, zhDev: true, width: 64 });
    expect(parseScopeArgs(['--artifact', 'A.safetensors']).artifact).toBe('A.safetensors');
    expect(() => parseScopeArgs(['--pool', 'max'])).toThrow("--pool must be mean or attn (got 'max')");
    expect(() => parseScopeArgs(['--normalize', 'yes'])).toThrow("--normalize must be 0 or 1 (got 'yes')");
    expect(() => parseScopeArgs(['--held-out', '-5'])).toThrow(/--held-out/);
    expect(() => parseScopeArgs(['--iters', '1.5'])).toThrow("--iters must be an integer >= 1 (got '1.5')");
    expect(() => parseScopeArgs(['--lr', 'fast'])).toThrow("--lr must be a number > 0 (got 'fast')");
    expect(() => parseScopeArgs(['--nope'])).toThrow(unknown);
  });

  it('editors/shipped.ts (pnpm bench editors) and editors/training-scale.ts', () => {
    expect(parseEditorsArgs([])).toMatchObject({ methods: ['mend', 'serac'], train: true, eval: 50, out: path.join(REPO, '.cache/crossedit/editors-shipped'), iters: {} });
    expect(parseEditorsArgs(['--only', 'serac', '--eval', '0', '--train', '0', '--mend-iters', '400'])).toMatchObject({ methods: ['serac'], train: false, eval: 0, iters: { mend: 400 } });
    expect(() => parseEditorsArgs(['--only', 'rome'])).toThrow("--only must be mend or serac (got 'rome')");
    expect(() => parseEditorsArgs(['--eval=-1'])).toThrow("--eval must be an integer >= 0 (got '-1')");
    expect(() => parseEditorsArgs(['--serac-iters', '0'])).toThrow("--serac-iters must be an integer >= 1 (got '0')");
    expect(() => parseEditorsArgs(['--nope'])).toThrow(unknown);

    expect(parseTrainingScaleArgs([])).toMatchObject({
      sizes: [100, 500, 1000, 3000, 5000],
      limit: 10,
      langs: ['en', 'zh'],
      methods: ['serac', 'mend', 'ike'],
      seracIters: 60,
      mendIters: 200,
      out: path.join(REPO, 'docs/grid/training-scale.json'),
      work: path.join(REPO, '.cache/crossedit/training-scale'),
    });
    expect(parseTrainingScaleArgs(['--sizes', '100,500', '--methods', 'ike', '--langs', 'zh'])).toMatchObject({ sizes: [100, 500], methods: ['ike'], langs: ['zh'] });
    expect(() => parseTrainingScaleArgs(['--sizes', '100,1'])).toThrow("--sizes must be comma-separated integers >= 2 (got '100,1')");
    expect(() => parseTrainingScaleArgs(['--limit', 'all'])).toThrow("--limit must be an integer >= 1 (got 'all')");
    expect(() => parseTrainingScaleArgs(['--methods', 'rome'])).toThrow(/--methods: unknown entry 'rome'/);
    expect(() => parseTrainingScaleArgs(['--limit'])).toThrow(/Option '--limit <value>' argument missing/);
    expect(() => parseTrainingScaleArgs(['--nope'])).toThrow(unknown);
  });

  it('kernels, tokenizers, sharded, launch', () => {
    expect(parseKernelArgs([])).toEqual({ reps: 3, quick: false });
    expect(parseKernelArgs(['--reps', '5', '--quick'])).toEqual({ reps: 5, quick: true });
    expect(() => parseKernelArgs(['--reps', '0'])).toThrow("--reps must be an integer >= 1 (got '0')");
    expect(() => parseKernelArgs(['--nope'])).toThrow(unknown);
    expect(parseTokenizerArgs([])).toEqual({ repeat: 3 });
    expect(() => parseTokenizerArgs(['--repeat', 'x'])).toThrow("--repeat must be an integer >= 1 (got 'x')");
    expect(() => parseTokenizerArgs(['--nope'])).toThrow(unknown);
    expect(parseShardedArgs([])).toEqual({ vocab: 55296, hidden: 4096, tokens: 8, dtype: 'f16', reps: 5 });
    expect(() => parseShardedArgs(['--dtype', 'bf16'])).toThrow("--dtype must be f16 or f32 (got 'bf16')");
    expect(() => parseShardedArgs(['--vocab', '55k'])).toThrow("--vocab must be an integer >= 1 (got '55k')");
    expect(parseLaunchArgs([])).toMatchObject({ reps: 2, ops: 3000, steps: 25 });
    expect(parseLaunchArgs([]).model).toMatch(/stories260K\.gguf$/);
    expect(() => parseLaunchArgs(['--steps', 'many'])).toThrow("--steps must be an integer >= 1 (got 'many')");
  });

  it('models.ts and models-7b.ts: the mode, its defaults, flags of the other mode refused', () => {
    expect(parseModelsArgs([])).toEqual({ sevenB: false, skip7b: false, seq: 8, backends: ['cpu', 'webgpu'], json: undefined });
    expect(parseModelsArgs(['--skip-7b', '--seq', '16', '--backends', 'cpu', '--json', 'o.json'])).toEqual({ sevenB: false, skip7b: true, seq: 16, backends: ['cpu'], json: 'o.json' });
    expect(parseModelsArgs(['--full-7b'])).toEqual({ sevenB: true });
    expect(parseModelsArgs(['--layers', '2', '--small'])).toEqual({ sevenB: true });
    expect(() => parseModelsArgs(['--seq', '0'])).toThrow("--seq must be an integer >= 1 (got '0')");
    expect(() => parseModelsArgs(['--backends', 'cpu-f32'])).toThrow(/--backends: unknown entry 'cpu-f32' \(cpu, webgpu\)/);
    expect(() => parseModelsArgs(['--dtype', 'f16'])).toThrow('--dtype applies to the 7B-sized runs only (give --full-7b or --layers N)');
    expect(() => parseModelsArgs(['--full-7b', '--seq', '4'])).toThrow('--seq does not apply to the 7B-sized runs (--full-7b, --layers)');
    expect(() => parseModelsArgs(['--nope'])).toThrow(unknown);

    expect(parse7bArgs(['--full-7b'])).toEqual({ full7b: true, layers: undefined, small: false, backends: ['webgpu', 'cpu-f32'], dtype: 'auto', cache: path.resolve(DEFAULT_7B_CACHE), methods: ['rome'], hparams: {}, json: undefined });
    expect(parse7bArgs(['--layers', '32', '--methods', 'rome,memit', '--hparam', 'vNumGradSteps=2', '--hparam', 'layers=[5]'])).toMatchObject({ full7b: false, layers: 32, methods: ['rome', 'memit'], hparams: { vNumGradSteps: 2, layers: [5] } });
    expect(() => parse7bArgs(['--layers', '33'])).toThrow("--layers must be an integer in 1..32 (got '33')");
    expect(parse7bArgs(['--small', '--layers', '4']).layers).toBe(4);
    expect(() => parse7bArgs(['--small', '--layers', '5'])).toThrow("--layers must be an integer in 1..4 (got '5')");
    expect(() => parse7bArgs(['--full-7b', '--dtype', 'bf16'])).toThrow("--dtype must be one of auto, f32, f16 (got 'bf16')");
    expect(() => parse7bArgs(['--layers', '2', '--methods', 'kn'])).toThrow(/--methods: unknown entry 'kn' \(rome, memit\)/);
    expect(() => parse7bArgs(['--layers', '2', '--hparam', 'vNumGradSteps'])).toThrow("--hparam must be key=value (got 'vNumGradSteps')");
  });

  it('gpu-report.ts: its defaults and checks (importing it runs nothing)', () => {
    expect(parseGpuReportArgs([])).toEqual({ out: path.resolve('benchmarks/gpu/out'), small: false, cache: path.resolve(DEFAULT_7B_CACHE), budgetS: 450, deviceMemoryGb: undefined, hparams: {} });
    expect(parseGpuReportArgs(['--out', 'o', '--small', '--budget-s', '120', '--device-memory-gb', '150', '--hparam', 'vNumGradSteps=4'])).toEqual({
      out: path.resolve('o'),
      small: true,
      cache: path.resolve(DEFAULT_7B_CACHE),
      budgetS: 120,
      deviceMemoryGb: 150,
      hparams: { vNumGradSteps: 4 },
    });
    expect(() => parseGpuReportArgs(['--budget-s', 'soon'])).toThrow("--budget-s must be a number > 0 (got 'soon')");
    expect(() => parseGpuReportArgs(['--device-memory-gb', '0'])).toThrow("--device-memory-gb must be a number > 0 (got '0')");
    expect(() => parseGpuReportArgs(['--out'])).toThrow(/Option '--out <value>' argument missing/);
    expect(() => parseGpuReportArgs(['--nope'])).toThrow(unknown);
  });
});
