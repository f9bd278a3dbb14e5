"""asdf: a recipe-based toolkit for speech anti-spoofing (voice deepfake detection)."""

__version__ = "0.1.0"
# Our name on PyPI: `asdf` there is another package (the ASDF Standard). utils/run_demo.sh and run_tests.sh
# look for this attribute to tell this toolkit from it when `import asdf` finds one of them.
DISTRIBUTION = "asdf-antispoof"
