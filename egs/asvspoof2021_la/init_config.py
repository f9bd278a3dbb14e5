# Lines for configs/init_config.py (read as literals, never executed).
paths.asvspoof2021_la = '/data/ASVspoof2021'  # contains ASVspoof2021_LA_eval/flac/ and keys/LA/CM/trial_metadata.txt
