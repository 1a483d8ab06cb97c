from pipeline import cli
from pipeline.extract.command import main

cli.run(main)
