"""Developer tools (bench, demo data): installed only where they are used, not product apps."""
