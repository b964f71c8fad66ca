"""Demo and scale data (``seed_demo``, ``setup_demo``): installed where it is used — ``make run``
and DEBUG, the tests, the bench, or DEMO_TOOLS=true — never in an ordinary production start."""
