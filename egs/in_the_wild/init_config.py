# Lines for configs/init_config.py (read as literals, never executed).
paths.in_the_wild = '/data/InTheWild'  # contains release_in_the_wild/ (meta.csv and the wav files)
