"""The entry points: the `asdf` console command (`main.py`, one function per subcommand), its Gradio web
demo (`app.py`) and the command line of every recipe's run.py (`run_command.py`). May import: any part of asdf;
no part of the library imports them."""
