"""Trains wav2arkit on data/train.npz (made by data.py) and exports wav2arkit.onnx. CPU, one thread."""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

import features
import model as arch

HERE = Path(__file__).parent
WINDOW_OUTPUTS = 40  # 1.33 s of output frames per training window


class Windows:
    """Random (features, targets) windows; each utterance's features get RECEPTIVE_FIELD-4 frames of digital
    silence in front, as the streaming runtime sees at the start of a stream."""

    def __init__(self, path: Path) -> None:
        data = np.load(path)
        lengths = data["lengths"]
        mel, targets = data["mel"], data["targets"]
        pad = arch.RECEPTIVE_FIELD - features.FRAMES_PER_OUTPUT
        self.mels, self.targets = [], []
        mel_offset = target_offset = 0
        for length in lengths:
            utterance_mel = mel[mel_offset : mel_offset + length * features.FRAMES_PER_OUTPUT]
            utterance_targets = targets[target_offset : target_offset + length]
            mel_offset += length * features.FRAMES_PER_OUTPUT
            target_offset += length
            if length < WINDOW_OUTPUTS:
                continue
            silence = np.full((pad, features.MEL_BINS), features.SILENCE_FEATURE, np.float32)
            self.mels.append(np.concatenate([silence, utterance_mel]))
            # Output q predicts frame q - LOOKAHEAD: the first LOOKAHEAD outputs predict the neutral face.
            lead = np.zeros((arch.LOOKAHEAD_FRAMES, 52), np.float32)
            self.targets.append(np.concatenate([lead, utterance_targets])[:length])
        self.mean = torch.tensor(mel.mean(axis=0))
        self.std = torch.tensor(mel.std(axis=0) + 1e-3)

    def batch(self, rng: np.random.Generator, size: int):
        xs, ys = [], []
        for u in rng.integers(0, len(self.mels), size):
            q0 = int(rng.integers(0, len(self.targets[u]) - WINDOW_OUTPUTS + 1))
            start = q0 * features.FRAMES_PER_OUTPUT
            span = WINDOW_OUTPUTS * features.FRAMES_PER_OUTPUT + arch.RECEPTIVE_FIELD - features.FRAMES_PER_OUTPUT
            xs.append(self.mels[u][start : start + span].T)
            ys.append(self.targets[u][q0 : q0 + WINDOW_OUTPUTS].T)
        return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def loss_fn(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy on the logits: with mostly-zero targets, a squared error through the sigmoid saturates it
    within a few steps and training stalls on the mean face. The velocity term keeps the motion smooth."""
    predicted = torch.sigmoid(logits)
    velocity = torch.diff(predicted, dim=2) - torch.diff(target, dim=2)
    cross_entropy = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    return cross_entropy + torch.mean((predicted - target) ** 2) + torch.mean(velocity**2)


def export_onnx(net: arch.Wav2Arkit, path: Path) -> None:
    """Writes a STREAMING graph by hand (Concat/Conv/Relu/Slice/Sigmoid): every convolution with temporal context
    takes the last (kernel-1)*dilation frames of its input from a state input and returns the updated state, so
    each call only computes the new frames. The feature normalisation is folded into the first convolution.
    Inputs: mel [1, MEL_BINS, 4n] and state_i; outputs: weights [1, 52, n] and next_state_i (same order)."""
    convs = [layer for layer in net.net if isinstance(layer, torch.nn.Conv1d)]
    nodes, initializers, inputs, outputs, current = [], [], [], [], "mel"
    inputs.append(helper.make_tensor_value_info("mel", TensorProto.FLOAT, [1, features.MEL_BINS, "frames"]))
    outputs.append(helper.make_tensor_value_info("weights", TensorProto.FLOAT, [1, 52, "outputs"]))
    initializers.append(numpy_helper.from_array(np.array([2], np.int64), "time_axis"))
    initializers.append(numpy_helper.from_array(np.array([np.iinfo(np.int64).max], np.int64), "to_end"))
    for i, conv in enumerate(convs):
        weight = conv.weight.detach().double().numpy()
        bias = conv.bias.detach().double().numpy()
        if i == 0:
            mean = net.mean.reshape(-1).double().numpy()
            std = net.std.reshape(-1).double().numpy()
            bias = bias - np.einsum("oik,i->o", weight, mean / std)
            weight = weight / std[None, :, None]
        initializers += [numpy_helper.from_array(weight.astype(np.float32), f"w{i}"), numpy_helper.from_array(bias.astype(np.float32), f"b{i}")]
        context = (conv.kernel_size[0] - 1) * conv.dilation[0] if conv.stride[0] == 1 else 0
        if context:
            state = f"state{len([x for x in inputs if x.name.startswith('state')])}"
            inputs.append(helper.make_tensor_value_info(state, TensorProto.FLOAT, [1, conv.in_channels, context]))
            outputs.append(helper.make_tensor_value_info(f"next_{state}", TensorProto.FLOAT, [1, conv.in_channels, context]))
            initializers.append(numpy_helper.from_array(np.array([-context], np.int64), f"keep{i}"))
            nodes.append(helper.make_node("Concat", [state, current], [f"cat{i}"], axis=2))
            nodes.append(helper.make_node("Slice", [f"cat{i}", f"keep{i}", "to_end", "time_axis"], [f"next_{state}"]))
            current = f"cat{i}"
        attrs = {"kernel_shape": [conv.kernel_size[0]], "dilations": [conv.dilation[0]], "strides": [conv.stride[0]]}
        nodes.append(helper.make_node("Conv", [current, f"w{i}", f"b{i}"], [f"conv{i}"], **attrs))
        current = f"conv{i}"
        if i < len(convs) - 1:
            nodes.append(helper.make_node("Relu", [current], [f"relu{i}"]))
            current = f"relu{i}"
    nodes.append(helper.make_node("Sigmoid", [current], ["weights"]))
    graph = helper.make_graph(nodes, "wav2arkit", inputs, outputs, initializers)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="wav2arkit")
    onnx_model.ir_version = 8
    meta = {
        "sample_rate": features.SAMPLE_RATE, "hop": features.HOP, "window": features.WINDOW, "fft_size": features.FFT_SIZE,
        "mel_bins": features.MEL_BINS, "frames_per_output": features.FRAMES_PER_OUTPUT,
        "receptive_field": arch.RECEPTIVE_FIELD, "lookahead_frames": arch.LOOKAHEAD_FRAMES, "fps": 30,
    }
    onnx.helper.set_model_props(onnx_model, {k: str(v) for k, v in meta.items()})
    onnx.checker.check_model(onnx_model)
    onnx.save(onnx_model, path)
    _check_streaming_matches(net, path)


def _check_streaming_matches(net: arch.Wav2Arkit, path: Path) -> None:
    """Chunked ONNX (after a silence warm-up, as the runtime does) must equal the module on the whole sequence."""
    from streaming import StreamingModel

    rng = np.random.default_rng(1)
    mel = (rng.standard_normal((features.MEL_BINS, 4 * 30)) * 3 - 4).astype(np.float32)
    pad = np.full((features.MEL_BINS, arch.RECEPTIVE_FIELD - 4), features.SILENCE_FEATURE, np.float32)
    expected = net(torch.from_numpy(np.concatenate([pad, mel], axis=1))[None]).detach().numpy()[0]
    stream = StreamingModel(path)
    actual = np.concatenate([stream.run(mel[:, a : a + 4 * n]) for a, n in [(0, 4), (16, 1), (20, 13), (72, 12)]], axis=1)
    assert np.max(np.abs(actual - expected)) < 1e-4, np.max(np.abs(actual - expected))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / ".data" / "wav2arkit")
    parser.add_argument("--steps", type=int, default=9000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--out", type=Path, default=HERE / "wav2arkit.onnx")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    train = Windows(args.data / "train.npz")
    net = arch.Wav2Arkit(train.mean, train.std)
    optimizer = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=args.steps, pct_start=0.05)
    started, running = time.time(), 0.0
    for step in range(1, args.steps + 1):
        x, y = train.batch(rng, args.batch)
        loss = loss_fn(net.logits(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        running += loss.item()
        if step % 250 == 0:
            print(f"step {step}/{args.steps} loss {running / 250:.5f} {time.time() - started:.0f}s", flush=True)
            running = 0.0
    net.eval()
    torch.save(net.state_dict(), args.data / "wav2arkit.pt")
    export_onnx(net, args.out)
    (HERE / "training-log.json").write_text(json.dumps({"steps": args.steps, "batch": args.batch, "seconds": round(time.time() - started)}))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB) after {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()
