/** Chinese-LLaMA / Chinese-LLaMA-Plus-7B backbone plugin. */
export {};
