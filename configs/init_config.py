# Machine settings shared by every recipe: `group.field = value` lines, read as literals (never executed).
# Relative paths are resolved against the repository root. Override any of them on the command line,
# e.g. `python recipes/aasist/run.py train computing.gpu_ids=[1]`.

paths.output_folder = 'output'
paths.shared_data = '../shared/data'
paths.asvspoof2019_la = ''  # the folder that contains LA/ (ASVspoof 2019 LA as distributed)
paths.demo_la = 'output/corpora/demo_la'
paths.open_spoof = 'output/corpora/open_spoof'  # asdf corpus build open-spoof --out output/corpora/open_spoof
paths.asvspoof2021_la = ''  # contains ASVspoof2021_LA_eval/ and keys/LA/
paths.asvspoof2021_df = ''  # contains ASVspoof2021_DF_eval/ and keys/DF/
paths.asvspoof5 = ''  # contains flac_T/, flac_D/, flac_E_eval/ and the protocols
paths.in_the_wild = ''  # contains release_in_the_wild/
paths.plain_list = ''  # a folder of <list>.txt files: `path label [attack] [speaker]` per line

computing.use_gpu = True
computing.gpu_ids = [0]
computing.network_dataloader_workers = 2
computing.sad_workers = 2
computing.torch_threads = 0
computing.keep_freed_memory = False  # True: glibc keeps freed memory for reuse (CPU training ~30 % faster, ~25 % more memory)
