/** The embedded bilingual tiny default backbone, weights included. */
export {};
