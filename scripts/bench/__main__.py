"""`python -m scripts.bench`, from the checkout."""

from .cli import main

main()
