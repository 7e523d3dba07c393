/**
 * An independent, deliberately naive LLaMA forward in plain JavaScript float64 loops (no core ops):
 * the golden reference of the model tests. Not exported from the package index.
 */
import type { ModelConfig } from '@crossedit/core';

/** Host weights by canonical name (row-major, PyTorch `[out, in]`). */
export type HostWeights = Map<string, Float64Array>;

/** Intermediates of one naive forward, each `[B][S][F]`. */
export interface NaiveTrace {
  logits: number[][][];
  embed: number[][][];
  /** per layer */
  layerIn: number[][][][];
  attnIn: number[][][][];
  attnOut: number[][][][];
  mlpIn: number[][][][];
  gate: number[][][][];
  up: number[][][][];
  key: number[][][][];
  mlpOut: number[][][][];
  layerOut: number[][][][];
  final: number[][][];
}

/** `y = W x` with `W: [out, in]` row-major. */
function lin(w: Float64Array, x: number[], out: number): number[] {
  const inn = x.length;
  const y = new Array<number>(out).fill(0);
  for (let o = 0; o < out; o++) {
    let acc = 0;
    for (let i = 0; i < inn; i++) acc += w[o * inn + i] * x[i];
    y[o] = acc;
  }
  return y;
}

function rms(x: number[], w: Float64Array, eps: number): number[] {
  let ss = 0;
  for (const v of x) ss += v * v;
  const r = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * r * w[i]);
}

/** HF rotate_half RoPE on one head vector. */
function ropeVec(x: number[], pos: number, base: number): number[] {
  const dh = x.length;
  const half = dh / 2;
  const y = new Array<number>(dh);
  for (let i = 0; i < half; i++) {
    const theta = pos / Math.pow(base, (2 * i) / dh);
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    y[i] = x[i] * c - x[i + half] * s;
    y[i + half] = x[i + half] * c + x[i] * s;
  }
  return y;
}

const silu = (v: number) => v / (1 + Math.exp(-v));

/**
 * The naive forward on `ids [B][S]` with optional `mask [B][S]` (1 real, 0 pad) and `positions [B][S]`
 * (default: real tokens before the position, 0 at pads). Padded keys are skipped, and so are the keys
 * `blocked(layer, b, i, j)` says query `i` may not see; outputs at padded query positions are not meaningful.
 */
export function naiveForward(
  cfg: ModelConfig,
  w: HostWeights,
  ids: number[][],
  mask?: number[][],
  positions?: number[][],
  blocked?: (layer: number, b: number, i: number, j: number) => boolean,
): NaiveTrace {
  const B = ids.length;
  const S = ids[0].length;
  const D = cfg.hiddenSize;
  const H = cfg.numHeads;
  const Hkv = cfg.numKvHeads;
  const Dh = D / H;
  const G = H / Hkv;
  const M = cfg.intermediateSize;
  const V = cfg.vocabSize;
  const m = mask ?? ids.map((r) => r.map(() => 1));
  const pos =
    positions ??
    m.map((r) => {
      let c = 0;
      return r.map((v) => {
        const p = v ? c : 0;
        c += v;
        return p;
      });
    });
  const get = (n: string) => {
    const t = w.get(n);
    if (!t) throw new Error(`naive: missing ${n}`);
    return t;
  };
  const emb = get('model.embed_tokens.weight');
  let h: number[][][] = ids.map((r) => r.map((id) => Array.from(emb.subarray(id * D, id * D + D))));
  const tr: NaiveTrace = { logits: [], embed: h, layerIn: [], attnIn: [], attnOut: [], mlpIn: [], gate: [], up: [], key: [], mlpOut: [], layerOut: [], final: [] };
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `model.layers.${l}`;
    tr.layerIn.push(h);
    const xn = h.map((r) => r.map((x) => rms(x, get(`${p}.input_layernorm.weight`), cfg.rmsNormEps)));
    tr.attnIn.push(xn);
    const q = xn.map((r, b) => r.map((x, s) => { const v = lin(get(`${p}.self_attn.q_proj.weight`), x, D); return Array.from({ length: H }, (_, hh) => ropeVec(v.slice(hh * Dh, hh * Dh + Dh), pos[b][s], cfg.ropeBase)); }));
    const k = xn.map((r, b) => r.map((x, s) => { const v = lin(get(`${p}.self_attn.k_proj.weight`), x, Hkv * Dh); return Array.from({ length: Hkv }, (_, hh) => ropeVec(v.slice(hh * Dh, hh * Dh + Dh), pos[b][s], cfg.ropeBase)); }));
    const vv = xn.map((r) => r.map((x) => { const v = lin(get(`${p}.self_attn.v_proj.weight`), x, Hkv * Dh); return Array.from({ length: Hkv }, (_, hh) => v.slice(hh * Dh, hh * Dh + Dh)); }));
    const attnOut: number[][][] = [];
    for (let b = 0; b < B; b++) {
      const rowOut: number[][] = [];
      for (let i = 0; i < S; i++) {
        const ctx = new Array<number>(D).fill(0);
        for (let hh = 0; hh < H; hh++) {
          const kvh = Math.floor(hh / G);
          const scores: number[] = [];
          const js: number[] = [];
          for (let j = 0; j <= i; j++) {
            if (!m[b][j] || blocked?.(l, b, i, j)) continue;
            let dot = 0;
            for (let d = 0; d < Dh; d++) dot += q[b][i][hh][d] * k[b][j][kvh][d];
            scores.push(dot / Math.sqrt(Dh));
            js.push(j);
          }
          if (!js.length) continue;
          const mx = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - mx));
          const z = e.reduce((a, c) => a + c, 0);
          js.forEach((j, n) => {
            for (let d = 0; d < Dh; d++) ctx[hh * Dh + d] += (e[n] / z) * vv[b][j][kvh][d];
          });
        }
        rowOut.push(lin(get(`${p}.self_attn.o_proj.weight`), ctx, D));
      }
      attnOut.push(rowOut);
    }
    tr.attnOut.push(attnOut);
    h = h.map((r, b) => r.map((x, s) => x.map((v, d) => v + attnOut[b][s][d])));
    const xm = h.map((r) => r.map((x) => rms(x, get(`${p}.post_attention_layernorm.weight`), cfg.rmsNormEps)));
    tr.mlpIn.push(xm);
    const gate = xm.map((r) => r.map((x) => lin(get(`${p}.mlp.gate_proj.weight`), x, M)));
    const up = xm.map((r) => r.map((x) => lin(get(`${p}.mlp.up_proj.weight`), x, M)));
    const key = gate.map((r, b) => r.map((g, s) => g.map((v, j) => silu(v) * up[b][s][j])));
    const down = key.map((r) => r.map((x) => lin(get(`${p}.mlp.down_proj.weight`), x, D)));
    tr.gate.push(gate);
    tr.up.push(up);
    tr.key.push(key);
    tr.mlpOut.push(down);
    h = h.map((r, b) => r.map((x, s) => x.map((v, d) => v + down[b][s][d])));
    tr.layerOut.push(h);
  }
  const f = h.map((r) => r.map((x) => rms(x, get('model.norm.weight'), cfg.rmsNormEps)));
  tr.final = f;
  let head = cfg.tieEmbeddings ? emb : get('lm_head.weight');
  if (cfg.normHead) {
    const n = new Float64Array(head.length);
    for (let v = 0; v < V; v++) {
      let ss = 0;
      for (let d = 0; d < D; d++) ss += head[v * D + d] ** 2;
      const r = 1 / Math.max(Math.sqrt(ss), 1e-12);
      for (let d = 0; d < D; d++) n[v * D + d] = head[v * D + d] * r;
    }
    head = n;
  }
  tr.logits = f.map((r) => r.map((x) => lin(head, x, V)));
  return tr;
}
