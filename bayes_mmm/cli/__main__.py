from bayes_mmm.cli import run

run()
