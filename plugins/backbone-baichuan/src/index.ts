/** Baichuan-7B backbone plugin (fused W_pack). */
export {};
