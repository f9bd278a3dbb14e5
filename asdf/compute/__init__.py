"""Where the arithmetic runs: device and precision choice, several processes under torchrun, and the C
allocator's setting for CPU runs. May import: `asdf.base`."""
