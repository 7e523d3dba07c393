/** Where crossedit's shared data lives: core's `sharedDir()` (`$CROSSEDIT_SHARED`, else `../shared` from the current directory up). */
export { sharedDir } from '@crossedit/core/node';
