"""The wav2arkit network: a causal dilated 1-D convolution stack over log-mel frames, with no padding, so a
streaming runtime only keeps the last RECEPTIVE_FIELD-1 feature frames as state.

Output step q uses feature frames up to 4q+3 (audio up to sample 800(q+1) at 24 kHz) and predicts the 30 fps frame
q - LOOKAHEAD_FRAMES: 2 frames (66.7 ms) of look-ahead."""

import os

import torch
from torch import nn

import features

# Width of every layer; WAV2ARKIT_CHANNELS tries other sizes (the runtime reads the states' shapes from the graph).
CHANNELS = int(os.environ.get("WAV2ARKIT_CHANNELS", "64"))
DILATIONS = [1, 2, 4, 8, 16]
LOOKAHEAD_FRAMES = 2
OUTPUT_CONTEXT = 3  # kernel of the last temporal layer, at 30 fps
RECEPTIVE_FIELD = 1 + 2 * sum(DILATIONS) + (features.FRAMES_PER_OUTPUT - 1) + features.FRAMES_PER_OUTPUT * (OUTPUT_CONTEXT - 1)


class Wav2Arkit(nn.Module):
    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean.reshape(1, -1, 1))
        self.register_buffer("std", std.reshape(1, -1, 1))
        layers, width = [], features.MEL_BINS
        for dilation in DILATIONS:
            layers += [nn.Conv1d(width, CHANNELS, 3, dilation=dilation), nn.ReLU()]
            width = CHANNELS
        layers += [nn.Conv1d(CHANNELS, CHANNELS, features.FRAMES_PER_OUTPUT, stride=features.FRAMES_PER_OUTPUT), nn.ReLU()]
        layers += [nn.Conv1d(CHANNELS, CHANNELS, OUTPUT_CONTEXT), nn.ReLU(), nn.Conv1d(CHANNELS, 52, 1)]
        self.net = nn.Sequential(*layers)
        # PyTorch's default init shrinks the signal layer by layer; through eight layers the output starts
        # constant and training collapses to the mean face. He init keeps the variance.
        for layer in self.net:
            if isinstance(layer, nn.Conv1d):
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)

    def logits(self, mel: torch.Tensor) -> torch.Tensor:
        return self.net((mel - self.mean) / self.std)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """mel [batch, MEL_BINS, 4n + RECEPTIVE_FIELD - 4] -> weights [batch, 52, n]."""
        return torch.sigmoid(self.logits(mel))
