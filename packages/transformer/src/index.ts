/** Decoder-only LLaMA-family network on core ops, generation, hook points and checkpoint readers. */
export {};
