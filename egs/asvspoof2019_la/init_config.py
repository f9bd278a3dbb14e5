# Lines for configs/init_config.py (read as literals, never executed).
paths.asvspoof2019_la = '/data/ASVspoof2019'  # the folder that contains LA/
