"""GAN Studio: generate, mix and fine-tune GAN images locally."""

__version__ = "0.1.0"
