# Lines for configs/init_config.py (read as literals, never executed).
paths.asvspoof2021_df = '/data/ASVspoof2021'  # contains ASVspoof2021_DF_eval/flac/ and keys/DF/CM/trial_metadata.txt
