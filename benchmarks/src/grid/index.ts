/**
 * The cross-lingual grid: methods × backbones × source languages over Bi-ZsRE, each cell a resumable
 * `@crossedit/eval` results folder, one report in the paper's layout.
 *
 * @example
 * ```ts
 * import { defaultGridConfig, runGrid, reportText } from './grid/index.js';
 * const report = await runGrid({ ...defaultGridConfig(), methods: ['rome'], limit: 5 });
 * console.log(reportText(report));
 * ```
 */
export { defineGrid, defaultGridConfig, randomFallback, defaultDataset, defaultF1Tokenizer, sharedDir, repoRoot, type GridConfig, type GridBackboneSpec, type GridMethodSpec } from './grid.config.js';
export { runGrid, type RunGridOptions, type CellId } from './run.js';
export { reportMarkdown, reportText, scoreTable, cellTable, sourceLabel, reportBackbones, type GridReport, type GridRow } from './report.js';
export { readCellMeta, writeCellMeta, cellMetaPath, type CellMeta, type CellStatus, type CellTimings } from './cell.js';
export { hashJson, workspaceVersions, cellVersions } from './meta.js';
export { randomLlamaBackbone, jsonStrings, stringsOf, type RandomBackboneOptions } from './random-backbone.js';
export { main, loadGridConfig, applyGridArgs } from './command.js';
