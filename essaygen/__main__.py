from essaygen.cli import run

run()
