"""Evaluates wav2arkit.onnx on the held-out voices (never seen in training) through Python onnxruntime, running
the exported streaming graph chunk by chunk exactly as the TypeScript runtime does (same states, same look-ahead).

Prints per-blendshape Pearson correlation and MAE against the phoneme-derived targets, the mouth/jaw group means,
lip-closure accuracy on /p b m/, and the onset error of mouth opening vs phoneme timing; writes eval-results.json.
"""

import argparse
import ast
import json
from pathlib import Path

import numpy as np

import features
import visemes
from streaming import StreamingModel

HERE = Path(__file__).parent
JAW, CLOSE = visemes.ARKIT.index("jawOpen"), visemes.ARKIT.index("mouthClose")
MOUTH_GROUP = [i for i, name in enumerate(visemes.ARKIT) if name.startswith(("jaw", "mouth", "tongue"))]
BILABIALS = {"p", "b", "m"}
OPEN_VOWELS = {"aa", "ae", "ah", "ao", "aw", "ay", "eh", "ow", "oy"}
FRAME_MS = 1000.0 / visemes.FPS
CHUNK_OUTPUTS = 6  # 200 ms pushes, like TTS chunks


def lips_closed(weights: np.ndarray) -> bool:
    """Lips meet when the jaw is nearly shut and mouthClose cancels what remains of the opening."""
    return weights[JAW] <= 0.25 and weights[JAW] - weights[CLOSE] <= 0.12


def predict(model: StreamingModel, mel: np.ndarray, audio: np.ndarray | None) -> np.ndarray:
    """[frames, 52] for one utterance, streamed in CHUNK_OUTPUTS blocks, flushed with trailing silence."""
    frames = mel.shape[0] // features.FRAMES_PER_OUTPUT
    tail = model.lookahead_frames * features.FRAMES_PER_OUTPUT
    if audio is not None:  # the runtime pads the audio itself with zeros at the end
        padded = np.concatenate([audio, np.zeros(tail * features.HOP, np.float32)])
        stream_mel = features.log_mel(padded).astype(np.float32)
    else:
        stream_mel = np.concatenate([mel, np.full((tail, features.MEL_BINS), features.SILENCE_FEATURE, np.float32)])
    model.reset()
    step = CHUNK_OUTPUTS * features.FRAMES_PER_OUTPUT
    outputs = [model.run(stream_mel[a : a + step].T) for a in range(0, stream_mel.shape[0], step)]
    return np.concatenate(outputs, axis=1).T[model.lookahead_frames : model.lookahead_frames + frames]


def crossing_ms(curve: np.ndarray, threshold: float, from_ms: float, to_ms: float) -> float | None:
    """First upward crossing of `threshold` between frame centres (linear interpolation), within the window."""
    times = (np.arange(len(curve)) + 0.5) * FRAME_MS
    for f in range(1, len(curve)):
        if times[f] < from_ms or times[f - 1] > to_ms:
            continue
        if curve[f - 1] < threshold <= curve[f]:
            return float(times[f - 1] + (threshold - curve[f - 1]) / (curve[f] - curve[f - 1]) * FRAME_MS)
    return None


def evaluate(path: Path, model: StreamingModel) -> dict:
    data = np.load(path)
    lengths, mel, targets = data["lengths"], data["mel"], data["targets"]
    audio = data["audio"] if "audio" in data else None
    predictions, closures, open_misflagged, onsets_phoneme, onsets_target = [], [], [], [], []
    mel_at = target_at = audio_at = 0
    for u, length in enumerate(lengths):
        utterance_mel = mel[mel_at : mel_at + length * features.FRAMES_PER_OUTPUT]
        utterance_audio = None
        if audio is not None:
            utterance_audio = audio[audio_at : audio_at + data["audio_lengths"][u]]
            audio_at += data["audio_lengths"][u]
        truth = targets[target_at : target_at + length]
        mel_at += length * features.FRAMES_PER_OUTPUT
        target_at += length
        predicted = predict(model, utterance_mel, utterance_audio)
        predictions.append(predicted)
        segments = visemes.contiguous_segments(ast.literal_eval(str(data["phonemes"][u])))
        for i, (phoneme, start, end) in enumerate(segments):
            centre = int(((start + end) / 2) // FRAME_MS)
            if centre >= length:
                continue
            if phoneme in BILABIALS and end - start >= 40:
                closures.append((lips_closed(predicted[centre]), lips_closed(truth[centre])))
            if phoneme in OPEN_VOWELS and end - start >= 60:
                open_misflagged.append(lips_closed(predicted[centre]))
            # Mouth opening after a closure or a pause: where does the jaw cross half its rise?
            before = segments[i - 1][0] if i > 0 else "sil"
            if phoneme in OPEN_VOWELS and before in BILABIALS | {"sil"} and end - start >= 60:
                window = slice(int(start // FRAME_MS), min(length, int(end // FRAME_MS) + 1))
                low = truth[max(0, int((start - 60) // FRAME_MS)), JAW]
                peak = truth[window, JAW].max() if window.stop > window.start else 0
                if peak - low < 0.2:
                    continue
                threshold = low + 0.5 * (peak - low)
                t_target = crossing_ms(truth[:, JAW], threshold, start - 150, end)
                t_pred = crossing_ms(predicted[:, JAW], threshold, start - 150, end)
                if t_target is not None and t_pred is not None:
                    onsets_phoneme.append(t_pred - start)
                    onsets_target.append(t_pred - t_target)
    predicted_all, truth_all = np.concatenate(predictions), targets
    animated = [k for k in range(52) if truth_all[:, k].std() > 1e-3]
    per_shape = {}
    for k in animated:
        correlation = float(np.corrcoef(predicted_all[:, k], truth_all[:, k])[0, 1])
        per_shape[visemes.ARKIT[k]] = {"pearson": correlation, "mae": float(np.abs(predicted_all[:, k] - truth_all[:, k]).mean())}
    group = [visemes.ARKIT[k] for k in MOUTH_GROUP if k in animated]
    closure_pred = np.array([c[0] for c in closures])
    return {
        "utterances": int(len(lengths)),
        "minutes": float(lengths.sum() / visemes.FPS / 60),
        "voices": sorted(set(str(v) for v in data["voices"])),
        "per_blendshape": per_shape,
        "mouth_group": group,
        "mouth_pearson_mean": float(np.mean([per_shape[n]["pearson"] for n in group])),
        "mouth_mae_mean": float(np.mean([per_shape[n]["mae"] for n in group])),
        "jaw_open_pearson": per_shape["jawOpen"]["pearson"],
        "bilabial_frames": len(closures),
        "lip_closure_accuracy": float(closure_pred.mean()) if len(closures) else None,
        "lip_closure_accuracy_of_targets": float(np.mean([c[1] for c in closures])) if closures else None,
        "open_vowels_wrongly_closed": float(np.mean(open_misflagged)) if open_misflagged else None,
        "onsets": len(onsets_phoneme),
        "median_onset_error_vs_phoneme_ms": float(np.median(np.abs(onsets_phoneme))) if onsets_phoneme else None,
        "median_onset_error_vs_target_curve_ms": float(np.median(np.abs(onsets_target))) if onsets_target else None,
        "median_signed_onset_vs_target_curve_ms": float(np.median(onsets_target)) if onsets_target else None,
    }


def _fmt(value, spec: str) -> str:
    return "n/a" if value is None or value != value else format(value, spec)


def report(name: str, result: dict) -> None:
    print(f"\n== {name}: {result['utterances']} utterances, {result['minutes']:.1f} min, voices {', '.join(result['voices'])}")
    print(f"{'blendshape':<22}{'pearson':>9}{'mae':>8}")
    for shape, metrics in result["per_blendshape"].items():
        marker = " *" if shape in result["mouth_group"] else ""
        print(f"{shape:<22}{_fmt(metrics['pearson'], '>9.3f')}{metrics['mae']:>8.3f}{marker}")
    print(f"mouth/jaw group (*) mean Pearson {_fmt(result['mouth_pearson_mean'], '.3f')} (target >= 0.85), mean MAE {result['mouth_mae_mean']:.3f}")
    print(
        f"lip closure on /p b m/: {_fmt(result['lip_closure_accuracy'], '.1%')} of {result['bilabial_frames']} centre frames "
        f"(targets themselves: {_fmt(result['lip_closure_accuracy_of_targets'], '.1%')}; "
        f"open vowels wrongly closed: {_fmt(result['open_vowels_wrongly_closed'], '.1%')})"
    )
    print(
        f"mouth-opening onset, median |error|: {_fmt(result['median_onset_error_vs_phoneme_ms'], '.1f')} ms vs phoneme start, "
        f"{_fmt(result['median_onset_error_vs_target_curve_ms'], '.1f')} ms vs target curve "
        f"(signed {_fmt(result['median_signed_onset_vs_target_curve_ms'], '+.1f')} ms; {result['onsets']} onsets; target <= 40 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / ".data" / "wav2arkit")
    parser.add_argument("--model", type=Path, default=HERE / "wav2arkit.onnx")
    parser.add_argument("--out", type=Path, default=None, help="results file (default: eval-results.json here)")
    args = parser.parse_args()
    model = StreamingModel(args.model)
    results = {}
    # Each voice family on its own; real speech only when real.py found pocketsphinx-testdata.
    families = ["heldout-clean", "heldout-noisy", "heldout-neural", "heldout-festival-flite", "real-pocketsphinx"]
    names = [name for name in families if (args.data / f"{name}.npz").exists()]
    for name in names:
        results[name] = evaluate(args.data / f"{name}.npz", model)
        report(name, results[name])
    print(f"\n{'set':<24}{'mouth/jaw r':>12}{'lip closure':>12}{'onset ms':>10}")
    for name, r in results.items():
        print(f"{name:<24}{_fmt(r['mouth_pearson_mean'], '>12.3f')}{_fmt(r['lip_closure_accuracy'], '>12.1%')}{_fmt(r['median_onset_error_vs_phoneme_ms'], '>10.1f')}")
    out = args.out or HERE / "eval-results.json"
    out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
