/** ROME: rank-one model editing. */
export {};
