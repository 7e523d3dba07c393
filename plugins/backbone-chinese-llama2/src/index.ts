/** Chinese-LLaMA-2-7B backbone plugin. */
export {};
