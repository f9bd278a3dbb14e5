# Lines for configs/init_config.py (read as literals, never executed).
paths.plain_list = '/data/mylists'  # a folder of <list>.txt files: `path label [attack] [speaker]` per line
