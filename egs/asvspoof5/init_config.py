# Lines for configs/init_config.py (read as literals, never executed).
paths.asvspoof5 = '/data/ASVspoof5'  # contains flac_T/, flac_D/, flac_E_eval/ and ASVspoof5_protocols/
