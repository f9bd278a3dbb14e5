"""Free text-to-speech engines that the open corpus uses, installed by package name:
what each is, whether it is installed, and deterministic synthesis; Kokoro-82M among them. May import:
`asdf.base`."""
