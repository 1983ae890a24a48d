"""Exposes a Piper voice's phoneme durations as a second output, so speech comes with exact phoneme timings.

A Piper (VITS) graph computes, for each phoneme id, how many spectrogram frames it lasts (`/Ceil` of the
predicted durations) and expands them into audio of 256 samples per frame; only the audio is an output. This
marks the Ceil node's output as a graph output too, unchanged otherwise:

    python piper-add-durations.py voice.onnx voice.timed.onnx
"""

import sys

import onnx


def main(source: str, target: str) -> None:
    model = onnx.load(source)
    ceil = [node for node in model.graph.node if node.op_type == "Ceil"]
    if len(ceil) != 1:
        sys.exit(f"{source}: expected one Ceil node (the phoneme durations), found {len(ceil)}; not a Piper voice?")
    name = ceil[0].output[0]
    if name not in [output.name for output in model.graph.output]:
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    onnx.save(model, target)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: piper-add-durations.py <voice.onnx> <voice.timed.onnx>")
    main(sys.argv[1], sys.argv[2])
