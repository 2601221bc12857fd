"""Library models out of GAN Studio: ONNX and TorchScript files (the importers' counterpart)."""
