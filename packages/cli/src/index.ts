/**
 * `@crossedit/cli`: the `crossedit` command, and the pieces other tools reuse (backend selection,
 * plugin resolution, progress bars).
 *
 * @packageDocumentation
 */
export { main } from './main.js';
export { createBackend, parseBackendKind, UsageError, type BackendKind } from './backend.js';
export { resolveMethod, resolveBackbone, pluginPackageNames, type ResolveOptions } from './plugins.js';
export { locatePackage, packageEntry, activeConditions, type LocatedPackage } from './locate.js';
export { ProgressBar, fmtTime } from './progress.js';
export type { Command, OptionSpec } from './args.js';
export { loadCases } from './commands/eval.js';
