"""Miniature corpora in their official layouts (a few short files each) for the reader tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile


def write_tone(path: Path, seconds: float = 0.2) -> None:
    """A short tone at 16 kHz, in the format the file name's extension says."""
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = int(16000 * seconds)
    soundfile.write(path, (0.2 * np.sin(np.arange(samples) / 5)).astype(np.float32), 16000)


def write_lines(path: Path, lines: list[str]) -> Path:
    """A text file of `lines`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


COLLECTION_COLUMNS = ("repository", "branch", "path", "blob", "label", "system", "family", "kind", "vocoder",
                      "language", "dataset", "speaker", "source_path", "licence", "note", "duration_s")
# (repository, branch, path, label, system, family, kind, source_path, rate, subtype, format)
COLLECTION_FILES = (
    ("demo/page", "gh-pages", "real/r1.wav", "bonafide", "-", "-", "recording", "-", 22050, "PCM_16", "WAV"),
    ("demo/page", "gh-pages", "real/r2.wav", "bonafide", "-", "-", "recording", "-", 48000, "PCM_24", "WAV"),
    ("demo/page", "gh-pages", "fake/r1_hifigan.wav", "spoof", "hifigan", "gan-vocoder", "copy-synthesis",
     "real/r1.wav", 24000, "FLOAT", "WAV"),
    ("demo/page", "gh-pages", "fake/r2_hifigan.wav", "spoof", "hifigan", "gan-vocoder", "copy-synthesis",
     "real/r2.wav", 22050, "PCM_16", "WAV"),
    ("demo/page", "gh-pages", "fake/r1_diffwave.wav", "spoof", "diffwave", "diffusion-vocoder", "copy-synthesis",
     "real/r1.wav", 22050, "PCM_16", "FLAC"),  # FLAC data under a .wav name, as demo pages have it
    ("demo/page", "gh-pages", "fake/t1_vits.wav", "spoof", "vits", "e2e-tts", "tts", "-", 22050, "PCM_16", "WAV"),
    ("demo/page", "gh-pages", "fake/t2_vits.wav", "spoof", "vits", "e2e-tts", "tts", "-", 22050, "PCM_16", "WAV"),
    ("other/vc", "main", "vc/x_to_y.wav", "spoof", "flowcpcvc", "voice-conversion", "vc", "-", 16000, "PCM_16", "WAV"),
)
ABSENT_BLOB = "0123456789abcdef0123456789abcdef01234567"


def speech_like(rate: int, seconds: float, seed: int) -> np.ndarray:
    """Voiced-speech-like audio: a harmonic series on a wandering pitch, in syllable-rate bursts."""
    rng = np.random.default_rng(seed)
    time = np.arange(int(rate * seconds)) / rate
    pitch = 110 + 40 * rng.random() + 15 * np.sin(2 * np.pi * 0.7 * time)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 3.1 * time + rng.random()), 0, None) ** 0.5
    return (0.1 * voice * envelope + 0.002 * rng.standard_normal(len(time))).astype(np.float32)


def _git(folder: Path, *arguments: str) -> str:
    import subprocess

    environment = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                   "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(folder), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    return subprocess.run(["git", "-C", str(folder), *arguments], check=True, capture_output=True, text=True,
                          env=environment).stdout.strip()


def make_collection(folder: Path) -> tuple[Path, Path]:
    """Two small demo-page git repositories under `folder/remote` (a real one and its fakes, FLAC named .wav,
    24-bit and float WAV), and a manifest of them with one blob and one repository that do not exist;
    returns (the remote folder, the manifest)."""
    remote, rows = folder / "remote", []
    for repository, branch in sorted({(spec[0], spec[1]) for spec in COLLECTION_FILES}):
        work = remote / repository
        work.mkdir(parents=True)
        _git(work, "init", "--quiet", "--initial-branch", branch)
        for seed, (_, _, path, *_, rate, subtype, audio_format) in enumerate(
                spec for spec in COLLECTION_FILES if spec[0] == repository):
            (work / path).parent.mkdir(parents=True, exist_ok=True)
            soundfile.write(work / path, speech_like(rate, 1.6, seed), rate, subtype=subtype, format=audio_format)
        _git(work, "add", ".")
        _git(work, "commit", "--quiet", "-m", "demo page")
    for repository, branch, path, label, system, family, kind, source, *_ in COLLECTION_FILES:
        blob = _git(remote / repository, "rev-parse", f"{branch}:{path}")
        vocoder = "diffwave" if path.endswith("t2_vits.wav") else "-"  # a TTS whose vocoder is held out
        rows.append((repository, branch, path, blob, label, system, family, kind, vocoder, "en", "-", "-", source,
                     "MIT", "made by the tests", "1.600"))
    rows.append(("demo/page", "gh-pages", "fake/gone.wav", ABSENT_BLOB, "spoof", "vits", "e2e-tts", "tts", "-", "en",
                 "-", "-", "-", "MIT", "not in the repository", "1.600"))
    rows.append(("nobody/absent", "main", "a.wav", ABSENT_BLOB.replace("0", "f"), "bonafide", "-", "-", "recording",
                  "-", "en", "-", "-", "-", "none stated", "a repository that does not exist", "1.000"))
    manifest = write_lines(folder / "collections.tsv", ["\t".join(COLLECTION_COLUMNS)] + ["\t".join(r) for r in rows])
    return remote, manifest


CM_FILES = {"train": "train.trn", "dev": "dev.trl", "eval": "eval.trl"}


def cm_rows(root: Path, split: str) -> list[list[str]]:
    """The rows of one CM protocol of a built corpus."""
    protocol = root / "LA" / "ASVspoof2019_LA_cm_protocols" / f"ASVspoof2019.LA.cm.{CM_FILES[split]}.txt"
    return [line.split(" ") for line in protocol.read_text().splitlines()]


def manifest_rows(root: Path) -> list[dict[str, str]]:
    """manifest.tsv of a built open corpus as dictionaries."""
    header, *lines = (root / "manifest.tsv").read_text(encoding="utf-8").splitlines()
    return [dict(zip(header.split("\t"), line.split("\t"))) for line in lines]
