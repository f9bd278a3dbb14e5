"""asdf: a recipe-based toolkit for speech anti-spoofing (voice deepfake detection)."""

__version__ = "0.1.0"
