/** Generic LLaMA / LLaMA-2 backbone plugin. */
export {};
