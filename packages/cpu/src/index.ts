/** Reference backend in plain TypeScript with float64 accumulation. */
export {};
