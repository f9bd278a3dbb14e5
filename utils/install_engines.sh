#!/usr/bin/env bash
# Debian TTS engines of the open spoofing corpus (festival with HTS and diphone voices, flite, espeak-ng).
# Installs them with apt-get when run as root and they are missing; otherwise prints the command to run.
set -euo pipefail
packages=(festival festvox-us-slt-hts festvox-kallpc16k festvox-kdlpc16k flite espeak-ng)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "note: the open corpus' Debian engines are missing; as root run: apt-get install ${missing[*]}" >&2
    exit 0
fi
echo "installing Debian TTS engines: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
