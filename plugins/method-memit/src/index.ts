/** MEMIT: multi-layer mass editing. */
export {};
