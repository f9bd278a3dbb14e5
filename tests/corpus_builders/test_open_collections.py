"""Collected demo-page speech: the shipped manifest's rules, reading a user's clones by blob id, getting them, and
a small open-corpus build with a tiny collection of generated files in temporary git repositories."""

from __future__ import annotations

import subprocess
from collections import Counter

import pytest

from asdf.base.errors import DataError
from asdf.corpus_builders.open_spoof import build_open_spoof, collections
from asdf.corpus_builders.open_spoof.collections import (
    HELD_OUT_FAMILIES,
    HELD_OUT_SYSTEMS,
    blob_id,
    collected_splits,
    find_collected,
    get_collections,
    held_out,
    read_blob,
    read_manifest,
    system_ids,
)
from tests.corpora.miniatures import ABSENT_BLOB, CM_FILES, COLLECTION_FILES, cm_rows, make_collection, manifest_rows

RESERVED = ("RUB-SysSec/WaveFake", "SpeechResearch/speechresearch.github.io",
            "nii-yamagishilab/project-NN-Pytorch-scripts", "resemble-ai/Resemblyzer", "kallavinka8045/icassp2021",
            "jik876/hifi-gan-demo", "jaywalnut310/vits-demo", "jasonppy/VoiceCraft_web",
            "bigvgan-demo/bigvgan-demo.github.io", "OlaWod/FreeVC-demo")


@pytest.fixture(scope="module")
def shipped():
    return read_manifest()


def test_the_shipped_manifest_covers_many_systems_and_families_and_no_reserved_repository(shipped):
    systems = {row.system for row in shipped if row.is_spoof}
    assert len(systems) >= 40 and len({row.family for row in shipped if row.is_spoof}) >= 6
    assert not {row.repository for row in shipped} & set(RESERVED)
    assert len({row.blob for row in shipped}) == len(shipped)  # each file once, whatever repository it is in
    assert all(row.language == "en" and row.licence and row.duration_s > 0 for row in shipped)
    # a held-out name that matches nothing would hold nothing out
    assert set(HELD_OUT_SYSTEMS) <= systems and set(HELD_OUT_FAMILIES) <= {row.family for row in shipped}


def test_held_out_systems_and_families_are_in_eval_alone_with_their_recordings(shipped):
    split_of = collected_splits(shipped, seed=0)
    held = held_out(shipped)
    assert held and all(split_of[row.origin] == "eval" for row in held)
    assert {row.system for row in held if row.vocoder == "wavegrad"} == {"tacotron2"}  # a held-out vocoder's TTS
    eval_recordings = {row.recording for row in held}
    assert all(split_of[row.origin] == "eval" for row in shipped if row.recording in eval_recordings
               and not row.is_spoof)  # the real recordings held-out fakes were made from
    by_recording: dict[str, set[str]] = {}
    for row in shipped:
        if row.recording not in eval_recordings:
            by_recording.setdefault(row.recording, set()).add(split_of[row.origin])
    assert all(len(splits) == 1 for splits in by_recording.values())  # other recordings stay with their fakes
    trained = Counter(row.family for row in shipped if split_of[row.origin] == "train" and row.is_spoof)
    assert trained["gan-vocoder"] >= 50  # the other vocoders of a held-out vocoder's page still train
    counts = Counter((split_of[row.origin], row.label) for row in shipped)
    assert all(counts[split, label] > 0 for split in CM_FILES for label in ("bonafide", "spoof"))
    assert collected_splits(shipped, seed=0) == split_of and collected_splits(shipped, seed=1) != split_of


def test_a_bad_manifest_row_is_named_with_its_line(tmp_path):
    _, manifest = make_collection(tmp_path)
    lines = manifest.read_text().splitlines()
    broken = tmp_path / "broken.tsv"
    broken.write_text("\n".join(lines[:3] + [lines[3].replace("\tspoof\t", "\tfake\t")] + lines[4:]) + "\n")
    with pytest.raises(DataError, match=r"broken.tsv line 4: label 'fake': expected bonafide or spoof"):
        read_manifest(broken)
    twice = tmp_path / "twice.tsv"
    twice.write_text("\n".join(lines[:4] + [lines[4].replace("gan-vocoder", "flow-vocoder")] + lines[5:]) + "\n")
    with pytest.raises(DataError, match="system hifigan is in several families"):
        read_manifest(twice)


def test_blob_ids_are_git_s_and_a_missing_blob_is_an_error_naming_it(tmp_path):
    remote, _ = make_collection(tmp_path)
    path = remote / "demo/page/real/r1.wav"
    assert blob_id(path.read_bytes()) == subprocess.run(["git", "hash-object", str(path)], capture_output=True,
                                                        text=True, check=True).stdout.strip()
    assert read_blob(remote / "demo/page", blob_id(path.read_bytes())) == path.read_bytes()
    with pytest.raises(DataError, match=ABSENT_BLOB):
        read_blob(remote / "demo/page", ABSENT_BLOB)


def test_get_collections_fetches_each_repository_and_reports_the_one_that_fails(tmp_path):
    remote, manifest = make_collection(tmp_path)
    failures = get_collections(tmp_path / "clones", read_manifest(manifest), str(remote))
    assert len(failures) == 1 and failures[0].startswith("nobody/absent: git fetch failed")
    assert not (tmp_path / "clones" / "nobody" / "absent").exists()
    found, missing = find_collected(tmp_path / "clones", read_manifest(manifest))
    assert len(found) == len(COLLECTION_FILES)
    assert sorted((row.path, why.split(" ")[0]) for row, why in missing) == [("a.wav", "repository"),
                                                                            ("fake/gone.wav", "blob")]
    assert get_collections(tmp_path / "clones", read_manifest(manifest)[:-1], str(remote)) == []  # again: no-op


def test_clones_mirrors_and_work_trees_are_all_found(tmp_path):
    remote, manifest = make_collection(tmp_path)
    mirror = tmp_path / "mirror" / "demo+page"
    subprocess.run(["git", "clone", "--quiet", "--mirror", str(remote / "demo/page"), str(mirror / "repo")],
                   check=True)
    rows = [row for row in read_manifest(manifest) if row.repository == "demo/page"]
    assert len(find_collected(tmp_path / "mirror", rows)[0]) == len(rows) - 1  # the absent blob
    assert len(find_collected(remote, rows)[0]) == len(rows) - 1  # the work trees the files were committed in
    with pytest.raises(DataError, match="--collections .*nowhere: no such folder"):
        find_collected(tmp_path / "nowhere", rows)


@pytest.fixture(scope="module")
def collected_build(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("collected")
    remote, manifest = make_collection(folder)
    get_collections(folder / "clones", read_manifest(manifest), str(remote))
    root = build_open_spoof(folder / "open_spoof", shared_data, "small", seed=0, workers=2,
                            collections_dir=folder / "clones", collections_manifest=manifest)
    return root, read_manifest(manifest)


def test_collected_files_join_the_corpus_with_their_blob_and_held_out_ones_only_in_eval(collected_build):
    root, rows = collected_build
    ids = system_ids(rows)
    systems = {split: {row[3] for row in cm_rows(root, split)} for split in CM_FILES}
    assert ids["diffwave"] in systems["eval"] - systems["train"] - systems["dev"]  # a held-out family
    assert {ids[name] for name in ("hifigan", "vits", "flowcpcvc", "diffwave")} <= set().union(*systems.values())
    collected = [row for row in manifest_rows(root) if row["blob"]]
    by_origin = {f"{r.repository}@{r.branch}:{r.path}": r for r in rows}
    assert {row["source"] for row in collected} == set(by_origin) - {"demo/page@gh-pages:fake/gone.wav",
                                                                      "nobody/absent@main:a.wav"}
    assert all(row["blob"] == by_origin[row["source"]].blob and row["licence"].startswith("MIT")
               for row in collected)
    # the real recording a held-out fake was made from is in eval with it; so is a TTS file whose vocoder is held
    # out
    held = ("real/r1.wav", "r1_diffwave.wav", "t2_vits.wav")
    assert {row["split"] for row in collected if row["source"].endswith(held)} == {"eval"}


def test_what_was_missing_is_recorded_and_the_readme_says_what_was_held_out(collected_build):
    root, _ = collected_build
    missing = (root / "collections_missing.tsv").read_text().splitlines()
    assert len(missing) == 3 and "repository not found" in missing[2] and ABSENT_BLOB in missing[1]
    readme = (root / "README.txt").read_text()
    assert "Held out for eval: the\nfamilies diffusion-vocoder" in readme and "diffwave (held out)" in readme
    assert (root / "shortcuts" / "neural_sources" / "shortcuts.md").is_file()


def test_collected_files_are_read_through_their_blob_and_checked(collected_build, monkeypatch, tmp_path):
    root, rows = collected_build
    calls = []
    monkeypatch.setattr(collections, "_git", lambda folder, *arguments, stdin=None: calls.append(arguments) or
                        subprocess.CompletedProcess(arguments, 0, b"different content", b""))
    with pytest.raises(DataError, match="does not match its id"):
        read_blob(tmp_path, rows[0].blob)
    assert calls == [("cat-file", "blob", rows[0].blob)]
