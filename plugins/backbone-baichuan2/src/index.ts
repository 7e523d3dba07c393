/** Baichuan2-7B backbone plugin (fused W_pack, NormHead). */
export {};
