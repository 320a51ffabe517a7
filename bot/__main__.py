"""`python -m bot` is `pricebot`."""

from bot.cli import main

main()
