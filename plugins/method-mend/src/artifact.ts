/** MEND artifacts: writing a trained editor, finding and loading the one an edit needs. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, ModelConfig } from '@crossedit/core';
import { asF32, dataHash, readArtifact, writeArtifact, type ArtifactHeader, type ArtifactInfo, type DataSource, type SafeTensor } from '@crossedit/editor-training';
import { MendEditor, type MendArch } from './editor.js';
import { loadEditorTensors } from './state.js';

/**
 * The code version written into and required from artifacts. `mend@2`: the networks' activation has
 * `clamp(min=0)`'s gradient (1 at 0), so training reaches the networks (under `mend@1` only η trained).
 */
export const MEND_CODE_VERSION = 'mend@2';

/** Where artifacts shipped with the plugin live (for the embedded model). */
export const MEND_ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');

/** Writes a trained editor's parameters (f32) as a content-addressed artifact. */
export async function writeMendArtifact(
  dir: string,
  p: { backbone: string; weightsHash: string; sources: DataSource[]; arch: MendArch; training: Record<string, unknown>; hparams: Record<string, unknown> },
  params: Record<string, SafeTensor>,
): Promise<string> {
  const header: ArtifactHeader = {
    method: 'mend',
    backbone: p.backbone,
    weightsHash: p.weightsHash,
    data: p.sources,
    dataHash: dataHash(p.sources),
    langs: [...new Set(p.sources.map((s) => s.lang))],
    hparams: { arch: p.arch, ...p.hparams },
    codeVersion: MEND_CODE_VERSION,
    training: p.training,
  };
  const f32: Record<string, SafeTensor> = {};
  for (const [k, v] of Object.entries(params)) f32[k] = k.endsWith('M2') || k.endsWith('Mean') || k.endsWith('count') ? v : asF32(v);
  return writeArtifact(dir, header, f32);
}

/** Loads an artifact into a new editor for a model of `config`. */
export async function loadMendArtifact(path: string, config: ModelConfig, backend: Backend): Promise<{ editor: MendEditor; info: ArtifactInfo }> {
  const { info, tensors } = await readArtifact(path);
  const arch = (info.hparams as { arch?: MendArch }).arch;
  if (!arch) throw new Error(`${path}: the header's hparams have no 'arch'`);
  const editor = new MendEditor(config, arch, backend);
  loadEditorTensors(editor, tensors, path);
  return { editor, info };
}
