"""What the printable documents share, below every app: the fonts they are set in."""
