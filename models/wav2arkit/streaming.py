"""Runs the exported streaming graph the way api/src/adapters/blendshapes does: states warmed up on digital
silence once, then any number of 4-frame-aligned feature blocks."""

from pathlib import Path

import numpy as np
import onnxruntime

import features


class StreamingModel:
    def __init__(self, path: Path) -> None:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.state_names = [i.name for i in self.session.get_inputs() if i.name.startswith("state")]
        self.states = {i.name: np.zeros(i.shape, np.float32) for i in self.session.get_inputs() if i.name.startswith("state")}
        meta = self.session.get_modelmeta().custom_metadata_map
        self.lookahead_frames = int(meta["lookahead_frames"])
        warmup = int(meta["receptive_field"]) - features.FRAMES_PER_OUTPUT
        warmup += -warmup % features.FRAMES_PER_OUTPUT
        self.run(np.full((features.MEL_BINS, warmup), features.SILENCE_FEATURE, np.float32))
        self.warm = dict(self.states)

    def reset(self) -> None:
        """Back to the state after silence, as at the start of a stream."""
        self.states = dict(self.warm)

    def run(self, mel: np.ndarray) -> np.ndarray:
        """mel [MEL_BINS, 4n] -> weights [52, n]."""
        results = self.session.run(None, {"mel": mel[None].astype(np.float32), **self.states})
        for name, value in zip(self.state_names, results[1:]):
            self.states[name] = value
        return results[0][0]
