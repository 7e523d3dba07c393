/** The shared data folder for backbone tests; the tiny config and model directories come from `@crossedit/testing`. */
import { sharedDir } from '@crossedit/tokenizers';

export { TINY_LLAMA, tinyHfConfig, tempModelDir } from '@crossedit/testing/checkpoints';

/** The shared data folder (`$CROSSEDIT_SHARED`, else `<repo>/../shared`). */
export const SHARED_DIR: string = sharedDir();
